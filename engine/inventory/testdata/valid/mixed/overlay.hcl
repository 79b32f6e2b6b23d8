# Adds runbook settings on top of an existing Ansible inventory.
defaults {
  host_key_checking = "strict"
  known_hosts       = "~/.ssh/known_hosts_site"
}

group "controller" {
  vars = { trove_units = ["trove-api", "trove-conductor"] }
}

group "trove_hosts" {
  children = ["controller", "db"]
  jump     = ["ops@bastion.site:22"]
}

host "ctl1" {
  groups = ["trove_hosts"]
  port   = 22022
  vars   = { primary = true }
}
