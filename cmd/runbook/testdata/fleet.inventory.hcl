# Four hosts that all run on this machine (local transport), so the
# fleet semantics can be tested without SSH.
defaults {
  transport = "local"
}

group "web" {}
group "ctl" {}

host "w1" {
  groups = ["web"]
}
host "w2" {
  groups = ["web"]
  vars   = { broken = true }
}
host "w3" {
  groups = ["web"]
}
host "w4" {
  groups = ["web"]
}
host "c1" {
  groups = ["ctl"]
}
