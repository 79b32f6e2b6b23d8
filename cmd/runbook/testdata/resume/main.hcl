# Each task appends its name to a log, so a test can see what ran how often.
variable "dir" {
  type = string
}

task "first" {
  shell {
    cmd = "echo first >> '${var.dir}/log'; echo first-output"
  }
}

task "slow" {
  shell {
    cmd = "touch '${var.dir}/slow-started'; sleep 2; echo slow >> '${var.dir}/log'"
  }
  depends_on = [task.first]
  notify     = [handler.after_slow]
}

task "last" {
  command {
    argv = ["sh", "-c", "echo \"last saw $1\" >> \"$2\"/log", "sh", trimspace(task.first.outputs.stdout), var.dir]
  }
  depends_on = [task.slow]
}

handler "after_slow" {
  shell {
    cmd = "echo handler >> '${var.dir}/log'"
  }
}
