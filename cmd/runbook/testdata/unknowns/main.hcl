# make_id would change, so in check mode its stdout is unknown and use_id
# reports "known after apply" instead of failing.
variable "dir" {
  type = string
}

task "make_id" {
  shell {
    cmd     = "echo id-42 | tee '${var.dir}/id'"
    creates = "${var.dir}/id"
  }
}

task "use_id" {
  command {
    argv    = ["touch", "${var.dir}/${trimspace(task.make_id.outputs.stdout)}"]
    creates = "${var.dir}/${trimspace(task.make_id.outputs.stdout)}"
  }
}
