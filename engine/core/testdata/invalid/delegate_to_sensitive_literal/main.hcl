task "a" {
  delegate_to = sensitive("nowhere")
  command {
    argv = ["true"]
  }
}
