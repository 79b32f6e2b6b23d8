task "zero_timeout" {
  timeout = 0
  command {
    argv = ["true"]
  }
}

task "huge_delay" {
  delay = 1e20
  command {
    argv = ["true"]
  }
}

task "overflowing_timeout" {
  timeout = "9999999999h"
  command {
    argv = ["true"]
  }
}

task "negative_delay" {
  delay = "-5s"
  command {
    argv = ["true"]
  }
}
