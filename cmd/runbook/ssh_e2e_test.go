package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/runbook-dev/runbook/internal/labtest"
)

// These tests run the binary against the real OpenSSH hosts of lab/ssh.

type sshLab struct {
	env map[string]string
}

func needSSHLab(t *testing.T) *sshLab {
	t.Helper()
	return &sshLab{env: labtest.Env(t, "ssh")}
}

func (l *sshLab) get(k string) string { return l.env[k] }

// sshdPID is a shell snippet that reports (on stderr) the sshd process
// of the connection it runs in: the nearest sshd ancestor, which OpenSSH
// forks once per connection and which runs every session of it. The
// number of distinct ones a run reports for a host is the number of
// connections that run made to it, a counter no other test can move (the
// sshd log is shared by every test that uses the host at the same time).
const sshdPID = `p=$$; while [ "$p" -gt 1 ]; do case "$(cat /proc/$p/comm)" in sshd*) echo "sshd-pid=$p" >&2; break;; esac; p=$(cut -d' ' -f4 /proc/$p/stat); done`

// connections returns, per host, the sshd processes a --json run's
// tasks reported with sshdPID, and how many reports there were.
func connections(r runOut) (map[string]map[string]bool, map[string]int) {
	pids, reports := map[string]map[string]bool{}, map[string]int{}
	for _, ev := range r.events {
		if ev["type"] != "task_output" {
			continue
		}
		line, _ := ev["line"].(string)
		pid, ok := strings.CutPrefix(line, "sshd-pid=")
		if !ok {
			continue
		}
		h := ev["host"].(string)
		if pids[h] == nil {
			pids[h] = map[string]bool{}
		}
		pids[h][pid] = true
		reports[h]++
	}
	return pids, reports
}

// hclQuote writes s as an HCL string literal; hclEscape is its inside:
// quotes and backslashes escaped, ${ and %{ kept literal.
func hclQuote(s string) string { return `"` + hclEscape(s) + `"` }

func hclEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "${", "$${", "%{", "%%{").Replace(s)
}

func writeRunbook(t *testing.T, src string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func writeFile(t *testing.T, name, src string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

var fiveTasks = `
task "t1" {
  hosts = "all"
  command {
    argv = ["sh", "-c", ` + hclQuote(sshdPID+"; echo $(hostname) > /dev/null; id -un") + `]
  }
}
task "t2" {
  hosts = "all"
  shell {
    cmd = "` + hclEscape(sshdPID) + `; test \"${trimspace(task.t1.outputs.stdout)}\" = rb"
  }
}
task "t3" {
  hosts = "all"
  command {
    argv = ["sh", "-c", ` + hclQuote(sshdPID) + `]
  }
  depends_on = [task.t2]
}
task "t4" {
  hosts = "all"
  assert {
    conditions = [{ condition = trimspace(task.t1.outputs.stdout) == "rb", message = "logged in as rb" }]
  }
}
task "t5" {
  hosts = "all"
  command {
    argv = ["echo", "one argument; touch /tmp/PWNED-runbook-e2e"]
  }
}
`

func TestSSHFleetReusesOneConnectionPerHost(t *testing.T) {
	l := needSSHLab(t)
	_ = os.Remove("/tmp/PWNED-runbook-e2e")
	hosts := []string{}
	for i := 1; i <= 12; i++ {
		hosts = append(hosts, fmt.Sprintf("h%02d", i))
	}
	rb := writeRunbook(t, fiveTasks)
	r := run(t, nil, "run", "--json", "-i", l.get("LAB_SSH_INVENTORY_HCL"), rb)
	if r.code != exitChanges {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	f := r.finished()
	// Every host of the lab, including the netns hosts and inner1 behind the
	// jump host, ran every task.
	for _, h := range append(hosts, "n01", "n02", "n03", "jump", "inner1") {
		for _, task := range []string{"t1", "t2", "t3", "t5"} {
			if st := f["task."+task+"@"+h]; st != "changed" {
				t.Errorf("task.%s on %s: %q", task, h, st)
			}
		}
		if st := f["task.t4@"+h]; st != "ok" {
			t.Errorf("assert on %s: %q", h, st)
		}
	}
	// Three tasks report the sshd process of their connection: one
	// connection per host carried all of them.
	pids, reports := connections(r)
	for _, h := range append(hosts, "n01", "n02", "n03", "jump", "inner1") {
		if reports[h] != 3 || len(pids[h]) != 1 {
			t.Errorf("%s: %d SSH connections for 5 tasks (%d reports), want exactly 1", h, len(pids[h]), reports[h])
		}
	}
	if _, err := os.Stat("/tmp/PWNED-runbook-e2e"); err == nil {
		t.Fatal("an argument reached a remote shell unquoted")
	}
	if ev := r.event("task_finished", "task.t5"); ev == nil {
		t.Fatal("no t5 result")
	}
}

func TestSSHHostProblemsAreClearAndDoNotStopOthers(t *testing.T) {
	l := needSSHLab(t)
	key, kh, wrong := l.get("LAB_SSH_KEY"), l.get("LAB_SSH_KNOWN_HOSTS"), l.get("LAB_SSH_KNOWN_HOSTS_WRONG")
	port := l.get("LAB_SSH_BASE_PORT")
	empty := writeFile(t, "known_hosts.empty", "")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := ln.Addr().(*net.TCPAddr).Port
	ln.Close() // nothing listens there now: connection refused
	inv := writeFile(t, "inventory.hcl", fmt.Sprintf(`
defaults {
  user        = "rb"
  private_key = %[1]q
  known_hosts = %[2]q
  port        = %[3]s
}
host "good" {
  address = "127.0.0.1"
}
host "wrongkey" {
  address     = "127.0.0.1"
  known_hosts = %[4]q
}
host "unknown" {
  address     = "127.0.0.1"
  known_hosts = %[5]q
}
host "wronguser" {
  address = "127.0.0.1"
  user    = "nosuchuser"
}
host "down" {
  address = "127.0.0.1"
  port    = %[6]d
}
`, key, kh, port, wrong, empty, down))
	rb := writeRunbook(t, `
task "touch" {
  hosts = "all"
  command {
    argv = ["true"]
  }
}
`)
	r := run(t, nil, "run", "--json", "-i", inv, rb)
	if r.code != exitError {
		t.Fatalf("exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}
	f := r.finished()
	if f["task.touch@good"] != "changed" {
		t.Errorf("the good host did not run: %q", f["task.touch@good"])
	}
	want := map[string][]string{
		"wrongkey":  {"wrongkey", "SHA256:"},
		"unknown":   {"unknown", "accept-new"},
		"wronguser": {"wronguser", "auth"},
		"down":      {"down", "refused"},
	}
	for host, words := range want {
		ev := map[string]any{}
		for _, e := range r.events {
			if e["type"] == "task_finished" && e["host"] == host {
				ev = e
			}
		}
		if ev["status"] != "unreachable" {
			t.Errorf("%s: status %v, want unreachable", host, ev["status"])
		}
		reason, _ := ev["reason"].(string)
		for _, w := range words {
			if !strings.Contains(strings.ToLower(reason), strings.ToLower(w)) {
				t.Errorf("%s: reason %q lacks %q", host, reason, w)
			}
		}
	}
}

func TestSSHTimeoutKillsTheRemoteCommand(t *testing.T) {
	l := needSSHLab(t)
	marker := fmt.Sprintf("runbook-timeout-%d", time.Now().UnixNano())
	rb := writeRunbook(t, fmt.Sprintf(`
task "slow" {
  hosts   = "h01"
  timeout = "1s"
  command {
    argv = ["sh", "-c", "sleep 30; : %s"]
  }
}
`, marker))
	start := time.Now()
	r := run(t, nil, "run", "--json", "-i", l.get("LAB_SSH_INVENTORY_HCL"), rb)
	ev := r.event("task_finished", "task.slow")
	if r.code != exitError || ev == nil || ev["status"] != "failed" || !strings.Contains(ev["reason"].(string), "timed out") {
		t.Fatalf("exit %d, event %v", r.code, ev)
	}
	if time.Since(start) > 20*time.Second {
		t.Errorf("the timeout did not stop the run in time")
	}
	// h01 is a loopback host: its processes are this machine's.
	for i := 0; ; i++ {
		out, _ := exec.Command("pgrep", "-f", marker).Output()
		if len(strings.TrimSpace(string(out))) == 0 {
			break
		}
		if i > 50 {
			t.Fatalf("the remote command is still running after the timeout: pids %s", out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestSSHBecomeWithSudoPassword(t *testing.T) {
	l := needSSHLab(t)
	pw, err := os.ReadFile(l.get("LAB_SSH_BECOME_PASSWORD_FILE"))
	if err != nil {
		t.Fatal(err)
	}
	secret := strings.TrimSpace(string(pw))
	rb := writeRunbook(t, `
variable "sudo_password" {
  type      = string
  sensitive = true
}
runbook {
  become_password = var.sudo_password
}
task "whoami" {
  hosts  = ["h01", "n01", "inner1"]
  become = true
  command {
    argv = ["id", "-u"]
  }
}
task "root" {
  hosts = ["h01", "n01", "inner1"]
  assert {
    conditions = [{ condition = trimspace(task.whoami.outputs.stdout) == "0", message = "become gives root" }]
  }
}
`)
	r := run(t, []string{"RUNBOOK_VAR_sudo_password=" + secret}, "run", "--json", "-i", l.get("LAB_SSH_INVENTORY_HCL"), rb)
	if r.code != exitChanges {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, h := range []string{"h01", "n01", "inner1"} {
		if st := r.finished()["task.root@"+h]; st != "ok" {
			t.Errorf("%s: become did not give root (%s)", h, st)
		}
	}
	if strings.Contains(r.stdout+r.stderr, secret) {
		t.Fatal("the sudo password was printed")
	}
	// A wrong password fails clearly, without printing it.
	r = run(t, []string{"RUNBOOK_VAR_sudo_password=wrong-" + secret}, "run", "--json", "-i", l.get("LAB_SSH_INVENTORY_HCL"), "--limit", "h01", rb)
	ev := r.event("task_finished", "task.whoami")
	if r.code != exitError || ev == nil || ev["status"] != "failed" {
		t.Fatalf("wrong sudo password: exit %d, %v", r.code, ev)
	}
	if strings.Contains(r.stdout, secret) {
		t.Fatal("the sudo password was printed")
	}
}

func TestSSHHostThatStopsAnsweringIsUnreachable(t *testing.T) {
	l := needSSHLab(t)
	ctl := l.get("LAB_SSH_CTL")
	rb := writeRunbook(t, `
task "long" {
  hosts = ["h04", "h05"]
  command {
    argv = ["sh", "-c", "sleep 4; echo done"]
  }
}
`)
	cmd := exec.Command(binary, "run", "--json", "--ssh-keepalive", "1s", "-i", l.get("LAB_SSH_INVENTORY_HCL"), rb)
	var out strings.Builder
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	if o, err := exec.Command(ctl, "freeze", "h04").CombinedOutput(); err != nil {
		t.Fatalf("freeze: %v %s", err, o)
	}
	defer func() {
		if o, err := exec.Command(ctl, "thaw", "h04").CombinedOutput(); err != nil {
			t.Errorf("thaw: %v %s", err, o)
		}
	}()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("the run hung on a host that stopped answering")
	}
	var got map[string]string
	r := runOut{stdout: out.String()}
	for _, line := range strings.Split(r.stdout, "\n") {
		if line == "" {
			continue
		}
		var ev map[string]any
		if err := jsonUnmarshal(line, &ev); err == nil {
			r.events = append(r.events, ev)
		}
	}
	got = r.finished()
	if got["task.long@h04"] != "unreachable" || got["task.long@h05"] != "changed" {
		t.Fatalf("h04 %q (want unreachable), h05 %q (want changed)\n%s", got["task.long@h04"], got["task.long@h05"], r.stdout)
	}
}

func TestSSHAnsibleINIInventory(t *testing.T) {
	l := needSSHLab(t)
	rb := writeRunbook(t, `
task "ping" {
  hosts = "lab"
  command {
    argv = ["true"]
  }
}
`)
	ini := writeFile(t, "hosts.ini", fmt.Sprintf("[lab]\nh01 ansible_host=127.0.0.1 ansible_port=%s\nh02 ansible_host=127.0.0.1 ansible_port=%d\n\n[lab:vars]\nansible_user=rb\nansible_ssh_private_key_file=%s\nansible_ssh_common_args='-o UserKnownHostsFile=%s'\n",
		l.get("LAB_SSH_BASE_PORT"), atoi(l.get("LAB_SSH_BASE_PORT"))+1, l.get("LAB_SSH_KEY"), l.get("LAB_SSH_KNOWN_HOSTS")))
	r := run(t, nil, "run", "--json", "-i", ini, rb)
	if r.code != exitChanges || r.finished()["task.ping@h01"] != "changed" || r.finished()["task.ping@h02"] != "changed" {
		t.Fatalf("exit %d: %v\n%s%s", r.code, r.finished(), r.stdout, r.stderr)
	}
}

func atoi(s string) int {
	n := 0
	fmt.Sscan(s, &n)
	return n
}

func TestSSHWrongPrivateKey(t *testing.T) {
	l := needSSHLab(t)
	keyDir := t.TempDir()
	key := filepath.Join(keyDir, "id_ed25519")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v %s", err, out)
	}
	inv := writeFile(t, "inventory.hcl", fmt.Sprintf(`
host "h01" {
  address     = "127.0.0.1"
  port        = %s
  user        = "rb"
  private_key = %q
  known_hosts = %q
}
`, l.get("LAB_SSH_BASE_PORT"), key, l.get("LAB_SSH_KNOWN_HOSTS")))
	rb := writeRunbook(t, "task \"t\" {\n  hosts = \"h01\"\n  command {\n    argv = [\"true\"]\n  }\n}\n")
	start := time.Now()
	r := run(t, nil, "run", "--json", "-i", inv, rb)
	ev := r.event("task_finished", "task.t")
	if r.code != exitError || ev == nil || ev["status"] != "unreachable" || !strings.Contains(strings.ToLower(ev["reason"].(string)), "auth") {
		t.Fatalf("exit %d, %v", r.code, ev)
	}
	if time.Since(start) > 15*time.Second {
		t.Fatal("a refused key took too long: it should fail, not hang")
	}
}

func TestSSHInterruptThenResume(t *testing.T) {
	l := needSSHLab(t)
	// Written by the lab user rb on h01 (this machine): t.TempDir's parent
	// is private to root, so make one rb can reach.
	dir, err := os.MkdirTemp("", "runbook-ssh-resume")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	rb := writeRunbook(t, fmt.Sprintf(`
task "first" {
  hosts = "h01"
  shell {
    cmd = "echo first >> %[1]s/log; echo first-output"
  }
}
task "slow" {
  hosts = "h01"
  shell {
    cmd = "touch %[1]s/slow-started; sleep 2; echo slow >> %[1]s/log"
  }
  depends_on = [task.first]
}
task "last" {
  hosts = "h01"
  shell {
    cmd = "echo last saw ${trimspace(task.first.outputs.stdout)} >> %[1]s/log"
  }
  depends_on = [task.slow]
}
`, dir))
	cmd := exec.Command(binary, "run", "--json", "-i", l.get("LAB_SSH_INVENTORY_HCL"), rb)
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "RUNBOOK_STATE_DIR="+work)
	var out strings.Builder
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		if _, err := os.Stat(filepath.Join(dir, "slow-started")); err == nil {
			break
		}
		if i > 400 {
			t.Fatal("slow never started")
		}
		time.Sleep(25 * time.Millisecond)
	}
	_ = cmd.Process.Signal(os.Interrupt)
	_ = cmd.Wait()
	if b, _ := os.ReadFile(filepath.Join(dir, "log")); string(b) != "first\nslow\n" {
		t.Fatalf("after the interrupt: %q", b)
	}
	runID := ""
	for _, line := range strings.Split(out.String(), "\n") {
		var ev map[string]any
		if jsonUnmarshal(line, &ev) == nil && ev["type"] == "run_started" {
			runID = ev["run_id"].(string)
		}
	}
	cmd = exec.Command(binary, "run", "--json", "--resume", runID, "-i", l.get("LAB_SSH_INVENTORY_HCL"), rb)
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "RUNBOOK_STATE_DIR="+work)
	if o, err := cmd.CombinedOutput(); err != nil && cmd.ProcessState.ExitCode() != exitChanges {
		t.Fatalf("resume: %v\n%s", err, o)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "log")); string(b) != "first\nslow\nlast saw first-output\n" {
		t.Fatalf("after resume: %q (completed instances must not run again)", b)
	}
}
