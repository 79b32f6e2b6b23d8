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

# A read forced to run in check mode, after a task that would change what it
# reads: deferred, and the assert on it is "known after apply".
task "read_id" {
  command {
    argv = ["cat", "${var.dir}/id"]
  }
  check_mode   = false
  changed_when = false
  depends_on   = [task.make_id]
}

task "id_ok" {
  assert {
    conditions = [{ condition = trimspace(task.read_id.outputs.stdout) == "id-42", message = "the id was written" }]
  }
}
