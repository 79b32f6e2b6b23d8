variable "dir" {
  type = string
}

task "flaky" {
  shell {
    cmd = "n=$(cat '${var.dir}/n' 2>/dev/null || echo 0); n=$((n+1)); echo $n > '${var.dir}/n'; echo $n"
  }
  retries = 5
  delay   = "10ms"
  until   = trimspace(self.outputs.stdout) == "3"
}
