task "negative" {
  retries = -1
  command {
    argv = ["true"]
  }
}

task "huge" {
  retries = 1e20
  command {
    argv = ["true"]
  }
}

task "fraction" {
  retries = 2.5
  command {
    argv = ["true"]
  }
}
