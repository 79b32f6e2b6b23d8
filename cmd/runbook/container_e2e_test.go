package main

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/runbook-dev/runbook/internal/labtest"
)

// A task's commands inside a named container on an SSH host, the runtime
// run through sudo (as kolla-ansible controllers run trove-manage with
// `docker exec trove_api`): lab/containers' podman container, reached over
// the last loopback sshd host of lab/ssh (tests that count logins watch h01).
func TestContainerTasksOverSSHWithBecome(t *testing.T) {
	l := needSSHLab(t)
	ctr := labtest.Env(t, "containers")
	pw, err := os.ReadFile(l.get("LAB_SSH_BECOME_PASSWORD_FILE"))
	if err != nil {
		t.Fatal(err)
	}
	secret := strings.TrimSpace(string(pw))
	dir := fmt.Sprintf("/tmp/rb-ctr-e2e-%d", time.Now().UnixNano())
	host := labtest.SSHLastLoopbackHost(t)
	rb := writeRunbook(t, `
variable "sudo_password" {
  type      = string
  sensitive = true
}
variable "ctr" {
  type = object({ name = string, runtime = string })
}
variable "dir" {
  type = string
}
variable "host" {
  type = string
}
runbook {
  become_password = var.sudo_password
}
task "dir" {
  hosts     = [var.host]
  become    = true
  container = var.ctr
  command {
    argv    = ["mkdir", "-p", var.dir]
    creates = var.dir
  }
}
task "conf" {
  hosts      = [var.host]
  become     = true
  container  = var.ctr
  depends_on = [task.dir]
  copy {
    dest    = "${var.dir}/app.conf"
    content = "it's $HOME; quoted \"value\"\n"
    mode    = "0640"
  }
}
task "read" {
  hosts      = [var.host]
  become     = true
  container  = merge(var.ctr, { user = "nobody" })
  depends_on = [task.conf]
  command {
    argv = ["sh", "-c", "id -u; cat \"$1\" 2>&1 || true", "sh", "${var.dir}/app.conf"]
  }
  changed_when = false
}
task "seen" {
  hosts = [var.host]
  assert {
    conditions = [{ condition = trimspace(task.read.outputs.stdout) == "65534\ncat: can't open '${var.dir}/app.conf': Permission denied", message = "ran as nobody inside the container: ${task.read.outputs.stdout}" }]
  }
}
`)
	env := []string{"RUNBOOK_VAR_sudo_password=" + secret, "RUNBOOK_VAR_dir=" + dir, "RUNBOOK_VAR_host=" + host,
		fmt.Sprintf(`RUNBOOK_VAR_ctr={ name = %q, runtime = %q }`, ctr["LAB_CONTAINER_NAME"], ctr["LAB_CONTAINER_RUNTIME"])}
	args := []string{"--json", "-i", l.get("LAB_SSH_INVENTORY_HCL"), rb}
	r := run(t, env, append([]string{"run"}, args...)...)
	if r.code != exitChanges {
		t.Fatalf("run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if st := r.finished()["task.seen@"+host]; st != "ok" {
		t.Errorf("seen: %s\n%s", st, r.stdout)
	}
	// The file is inside the container, with its mode, and not on the host.
	out, err := exec.Command(ctr["LAB_CONTAINER_RUNTIME"], "exec", ctr["LAB_CONTAINER_NAME"], "sh", "-c", `stat -c %a "$1"; cat "$1"`, "sh", dir+"/app.conf").CombinedOutput()
	if err != nil || string(out) != "640\nit's $HOME; quoted \"value\"\n" {
		t.Errorf("in the container: %v %q", err, out)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s exists on the host: %v", dir, err)
	}
	defer exec.Command(ctr["LAB_CONTAINER_RUNTIME"], "exec", ctr["LAB_CONTAINER_NAME"], "rm", "-rf", dir).Run()
	if strings.Contains(r.stdout+r.stderr, secret) {
		t.Fatal("the sudo password was printed")
	}
	// Again: nothing to do, plans read through the container too.
	if r := run(t, env, append([]string{"run"}, args...)...); r.code != exitOK {
		t.Fatalf("second run: exit %d\n%s", r.code, r.stdout)
	}

	// A stopped container fails the task and names it; the command never ran.
	env[len(env)-1] = fmt.Sprintf(`RUNBOOK_VAR_ctr={ name = %q, runtime = %q }`, ctr["LAB_CONTAINER_STOPPED"], ctr["LAB_CONTAINER_RUNTIME"])
	r = run(t, env, append([]string{"run"}, args...)...)
	ev := r.event("task_finished", "task.dir")
	if r.code != exitError || ev == nil || ev["status"] != "failed" || !strings.Contains(fmt.Sprint(ev["reason"]), ctr["LAB_CONTAINER_STOPPED"]+" ") {
		t.Fatalf("stopped container: exit %d, %v", r.code, ev)
	}
}
