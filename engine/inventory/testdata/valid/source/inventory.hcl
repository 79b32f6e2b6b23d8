group "controller" {}

host "ctl1" {
  groups = ["controller"]
}

source "fake_trove" {
  cloud  = "lab-demo"
  groups = ["trove_guests"]
  vars   = { ansible_user = "ubuntu", datastore = "mysql" }
}
