variable "forks" {
  type = number
  validation {
    condition     = var.forks > 0
    error_message = "forks must be positive."
  }
}

task "hello" {
  command {
    argv = ["echo", tostring(var.forks)]
  }
}
