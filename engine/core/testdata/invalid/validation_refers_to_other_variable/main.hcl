variable "min" {
  type    = number
  default = 1
}

variable "forks" {
  type    = number
  default = 5
  validation {
    condition     = var.forks > var.min
    error_message = "forks must be above min."
  }
}

task "hello" {
  command {
    argv = ["echo", tostring(var.forks)]
  }
}
