# %{ if name != "" }${name}%{ endif }, written by runbook
listen = 0.0.0.0:${port}
workers = ${workers}
