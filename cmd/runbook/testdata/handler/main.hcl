# Two tasks notify the same handler; it runs once, and only on change.
variable "dir" {
  type = string
}

task "one" {
  shell {
    cmd     = "touch '${var.dir}/one'"
    creates = "${var.dir}/one"
  }
  notify = [handler.restart]
}

task "two" {
  shell {
    cmd     = "touch '${var.dir}/two'"
    creates = "${var.dir}/two"
  }
  notify = [handler.restart]
}

handler "restart" {
  shell {
    cmd = "echo restart >> '${var.dir}/restarts'"
  }
}
