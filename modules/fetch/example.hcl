task "save_trove_conf" {
  hosts = group.controller
  fetch {
    src  = "/etc/trove/trove.conf"
    dest = "backups/"            # -> backups/ctl1/etc/trove/trove.conf, one tree per host
  }
}

task "guest_log" {
  hosts = group.guests
  fetch {
    src  = "/var/log/trove/trove-guestagent.log"
    dest = "logs/${host.name}-guestagent.log"
    flat = true
  }
}
