# b reads what a writes; only the reference orders them.
variable "dir" {
  type = string
}

task "b" {
  command {
    argv = ["cat", "${var.dir}/from-a", task.a.outputs.stdout]
  }
}

task "a" {
  shell {
    cmd = "sleep 0.3; echo written > '${var.dir}/from-a'; echo ${var.dir}/from-a"
  }
}
