task "progress" {
  shell {
    cmd = "for i in 1 2 3; do echo step $i; sleep 0.3; done"
  }
}
