variable "release" {
  type    = string
  default = "rocky"
  validation {
    condition     = contains(["ussuri", "victoria", "wallaby"], var.release)
    error_message = "Only ussuri, victoria and wallaby are supported."
  }
}

task "hello" {
  command {
    argv = ["echo", var.release]
  }
}
