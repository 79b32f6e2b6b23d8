# Two independent tasks that can only both succeed if they run at the
# same time: each announces itself, then waits for the other.
variable "dir" {
  type = string
}

task "left" {
  shell {
    cmd = "touch '${var.dir}/left'; for i in $(seq 100); do [ -e '${var.dir}/right' ] && exit 0; sleep 0.05; done; echo 'right never started' >&2; exit 1"
  }
}

task "right" {
  shell {
    cmd = "touch '${var.dir}/right'; for i in $(seq 100); do [ -e '${var.dir}/left' ] && exit 0; sleep 0.05; done; echo 'left never started' >&2; exit 1"
  }
}
