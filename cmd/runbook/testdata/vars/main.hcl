variable "dir" {
  type = string
}

variable "a" {
  type    = string
  default = "default"
}

variable "b" {
  type    = string
  default = "default"
}

variable "c" {
  type    = string
  default = "default"
}

variable "ports" {
  type    = list(number)
  default = []
}

task "show" {
  command {
    argv = ["sh", "-c", "echo \"$1 $2 $3 $4\" > \"$5\"/vars", "sh", var.a, var.b, var.c, join(",", var.ports), var.dir]
  }
}
