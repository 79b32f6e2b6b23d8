variable "dir" {
  type = string
}

# Runs on the four web hosts, one at a time, each appending to a log.
task "rolling" {
  hosts  = group.web
  serial = 1
  shell {
    cmd = "echo start ${host.name} >> '${var.dir}/rolling'; sleep 0.1; echo end ${host.name} >> '${var.dir}/rolling'"
  }
}

# Fails on w2 only; w2 then drops out of later tasks, the others go on.
task "maybe_break" {
  hosts = group.web
  shell {
    cmd = try(host.vars.broken, false) ? "echo w2 is broken >&2; exit 1" : "true"
  }
  depends_on = [task.rolling]
}

task "after_break" {
  hosts = group.web
  shell {
    cmd = "touch '${var.dir}/after-${host.name}'"
  }
  depends_on = [task.maybe_break]
}

task "once" {
  hosts    = group.web
  run_once = true
  shell {
    cmd = "echo ${host.name} >> '${var.dir}/once'"
  }
}

task "delegated" {
  hosts       = group.web
  delegate_to = "c1"
  shell {
    cmd = "echo for ${host.name} >> '${var.dir}/delegated'"
  }
  depends_on = [task.after_break]
}

# A control-node task gathers what the fleet reported, host by host: it
# needs after_break on every host, so w2's failure skips it.
task "gather" {
  command {
    argv = ["sh", "-c", "echo \"$1\" > \"$2\"/gathered", "sh",
      join(",", [for h, r in task.after_break.hosts : "${h}=${r.status}"]), var.dir]
  }
}
