task "trove_api_healthy" {
  hosts = group.controller
  shell {
    executable = "/bin/bash"
    cmd        = "set -o pipefail; curl -sf http://127.0.0.1:8779/ | head -c 200"
  }
}

task "dump_trove_db" {
  hosts    = group.controller
  run_once = true
  shell {
    cmd     = "mysqldump --single-transaction trove | gzip > \"$DUMP\""
    env     = { DUMP = "/var/backups/trove-${var.release}.sql.gz" }
    creates = "/var/backups/trove-${var.release}.sql.gz"
  }
}
