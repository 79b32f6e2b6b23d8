task "hello" {
  command {
    argv  = ["true"]
    shell = "sometimes"
  }
}
