variable "dir" {
  type = string
}

task "breaks" {
  shell {
    cmd = "echo 'config is broken' >&2; exit 3"
  }
}

task "after" {
  command {
    argv = ["echo", task.breaks.outputs.stdout]
  }
}

task "independent" {
  command {
    argv    = ["touch", "${var.dir}/independent"]
    creates = "${var.dir}/independent"
  }
}
