# Managed by runbook: changes here are overwritten.
[DEFAULT]
transport_url = ${transport_url}
swift_url = ${swift_url}
debug = ${debug ? "true" : "false"}
%{ for ds in datastores ~}
# datastore ${upper(ds)}
%{ endfor ~}
datastores = ${join(",", datastores)}
literal = $${not_a_var}
${file("fragment.txt")~}
