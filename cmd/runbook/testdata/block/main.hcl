# A failing step inside a block: rescue rolls back, always cleans up.
variable "dir" {
  type = string
}

block {
  task "step1" {
    shell {
      cmd = "touch '${var.dir}/step1'"
    }
  }
  task "step2" {
    shell {
      cmd = "echo step2 failed >&2; exit 1"
    }
    depends_on = [task.step1]
  }
  task "step3" {
    shell {
      cmd = "touch '${var.dir}/step3'"
    }
    depends_on = [task.step2]
  }

  rescue {
    task "rollback" {
      shell {
        cmd = "rm -f '${var.dir}/step1'; touch '${var.dir}/rolled-back'"
      }
    }
  }

  always {
    task "cleanup" {
      shell {
        cmd = "touch '${var.dir}/always'"
      }
    }
  }
}

task "after_block" {
  shell {
    cmd = "touch '${var.dir}/after'"
  }
  depends_on = [task.step3]
}
