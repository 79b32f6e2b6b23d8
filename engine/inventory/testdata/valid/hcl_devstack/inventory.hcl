# A DevStack lab: one all-in-one controller behind a bastion, two guests.
defaults {
  user              = "stack"
  private_key       = "/home/op/.ssh/id_ed25519"
  known_hosts       = "/home/op/.ssh/known_hosts_lab"
  host_key_checking = "accept-new"
  connect_timeout   = "15s"
  become_user       = "root"
  vars = {
    region    = "RegionOne"
    image_dir = "/opt/stack/images"
  }
}

group "devstack" {
  children = ["controller"]
  vars = {
    devstack_dir = "/opt/stack/devstack"
    image_dir    = "/srv/images" # overrides defaults
  }
}

group "controller" {
  become = true
  vars = {
    trove_conf  = "/etc/trove/trove.conf"
    trove_units = ["apache2", "devstack@tr-*"]
  }
}

group "guests" {
  user              = "ubuntu"
  host_key_checking = "off"
  vars              = { datastore = { name = "mysql", version = "5.7.29" } }
}

host "bastion" {
  address = "203.0.113.10"
  port    = 2200
  user    = "jump"
}

host "ctl1" {
  address = "10.0.0.11"
  groups  = ["controller"]
  jump    = ["bastion"]
  vars = {
    trove_units = ["apache2", "devstack@tr-api", "devstack@tr-cond"]
    api_port    = 8779
  }
}

host "guest-1" {
  address = "10.0.0.21"
  groups  = ["guests"]
  jump    = ["ctl1"]   # ctl1 is itself behind the bastion: chain of two
}

host "guest-2" {
  address         = "10.0.0.22"
  groups          = ["guests"]
  jump            = ["ops@198.51.100.7:2022"]
  connect_timeout = 30
  vars            = { tags = formatlist("db-%s", ["a", "b"]), weight = 1.5, enabled = true }
}

host "localhost" {
  transport = "local"
  vars      = { note = "declared explicitly, so in all" }
}
