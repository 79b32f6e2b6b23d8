variable "dir" {
  type = string
}

variable "dbs" {
  type    = map(string)
  default = { alpha = "a", beta = "b" }
}

task "per_db" {
  for_each = var.dbs
  shell {
    cmd     = "echo ${each.value} > '${var.dir}/${each.key}'"
    creates = "${var.dir}/${each.key}"
  }
}

task "summary" {
  command {
    argv = ["cat", "${var.dir}/alpha", "${var.dir}/beta"]
  }
  depends_on = [task.per_db]
}
