package runlock

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

const rb = "/srv/runbooks/trove-upgrade"

func TestOverlappingHostsAreRefused(t *testing.T) {
	dir := t.TempDir()
	a, stale, err := Acquire(dir, rb, "run-a", []string{"h1", "h2"})
	if err != nil || len(stale) != 0 {
		t.Fatalf("first run: %v %v", err, stale)
	}
	_, _, err = Acquire(dir, rb, "run-b", []string{"h2", "h3"})
	var held *HeldError
	if !errors.As(err, &held) {
		t.Fatalf("second run over h2: %v, want a HeldError", err)
	}
	msg := err.Error()
	for _, want := range []string{"run-a", "h2", "pid", "--force-unlock run-a", rb} {
		if !strings.Contains(msg, want) {
			t.Errorf("the refusal does not name %q: %s", want, msg)
		}
	}
	if held.Holder.User == "" || held.Holder.Machine == "" || held.Holder.Started.IsZero() || strings.Join(held.Hosts, ",") != "h2" {
		t.Errorf("holder %+v, hosts %v", held.Holder, held.Hosts)
	}
	// Other hosts, or another runbook, are free.
	c, _, err := Acquire(dir, rb, "run-c", []string{"h3"})
	if err != nil {
		t.Fatalf("a run on other hosts: %v", err)
	}
	d, _, err := Acquire(dir, "/srv/runbooks/other", "run-d", []string{"h1"})
	if err != nil {
		t.Fatalf("another runbook: %v", err)
	}
	// Released, the hosts are free again.
	for _, l := range []*Lock{a, c, d} {
		if err := l.Release(); err != nil {
			t.Fatal(err)
		}
	}
	b, _, err := Acquire(dir, rb, "run-b", []string{"h2", "h3"})
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	_ = b.Release()
}

// plant writes a lock as another process would have.
func plant(t *testing.T, dir string, h Holder) {
	t.Helper()
	f := folder(dir, h.Runbook)
	if err := os.MkdirAll(f, 0o700); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(h)
	if err := os.WriteFile(lockFile(f, h.RunID), b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestStaleLockIsTakenOver(t *testing.T) {
	dir := t.TempDir()
	machine, _ := os.Hostname()
	// A process that has exited.
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	gone := cmd.Process.Pid
	plant(t, dir, Holder{RunID: "run-dead", Runbook: rb, User: "op", Machine: machine, PID: gone, Started: time.Now(), Hosts: []string{"h1"}})
	// Our own PID, but a process that started at another time: a reused PID.
	plant(t, dir, Holder{RunID: "run-reused", Runbook: rb, User: "op", Machine: machine, PID: os.Getpid(), ProcStart: "1", Started: time.Now(), Hosts: []string{"h1"}})
	l, stale, err := Acquire(dir, rb, "run-new", []string{"h1"})
	if err != nil {
		t.Fatalf("over stale locks: %v", err)
	}
	defer l.Release()
	if len(stale) != 2 {
		t.Errorf("stale locks taken over: %+v", stale)
	}
	holders, _ := Holders(dir, rb)
	if len(holders) != 1 || holders[0].RunID != "run-new" {
		t.Errorf("holders now %+v", holders)
	}
}

// A live process on this machine, or any process on another machine, is
// not stale.
func TestLiveLockIsNotTakenOver(t *testing.T) {
	dir := t.TempDir()
	machine, _ := os.Hostname()
	sleep := exec.Command("sleep", "30")
	if err := sleep.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sleep.Process.Kill(); _ = sleep.Wait() }()
	plant(t, dir, Holder{RunID: "run-live", Runbook: rb, User: "op", Machine: machine, PID: sleep.Process.Pid,
		ProcStart: procStart(sleep.Process.Pid), Started: time.Now(), Hosts: []string{"h1"}})
	plant(t, dir, Holder{RunID: "run-elsewhere", Runbook: rb, User: "op", Machine: "another-machine", PID: 1, Started: time.Now(), Hosts: []string{"h2"}})
	if _, _, err := Acquire(dir, rb, "run-new", []string{"h1"}); err == nil || !strings.Contains(err.Error(), "run-live") {
		t.Errorf("over a live lock: %v", err)
	}
	if _, _, err := Acquire(dir, rb, "run-new", []string{"h2"}); err == nil || !strings.Contains(err.Error(), "run-elsewhere") {
		t.Errorf("over another machine's lock: %v", err)
	}
	// --force-unlock breaks it.
	h, err := ForceUnlock(dir, rb, "run-live")
	if err != nil || h.RunID != "run-live" {
		t.Fatalf("force-unlock: %v %+v", err, h)
	}
	if _, err := ForceUnlock(dir, rb, "run-live"); err == nil {
		t.Error("force-unlock of a lock that is not there")
	}
	l, _, err := Acquire(dir, rb, "run-new", []string{"h1"})
	if err != nil {
		t.Fatalf("after force-unlock: %v", err)
	}
	_ = l.Release()
}

// Many runs trying at once: exactly one gets overlapping hosts.
func TestAcquireIsAtomic(t *testing.T) {
	dir := t.TempDir()
	var mu sync.Mutex
	won := 0
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, _, err := Acquire(dir, rb, "run-"+string(rune('a'+i)), []string{"h1"})
			if err == nil {
				mu.Lock()
				won++
				mu.Unlock()
			}
		}(i)
	}
	wg.Wait()
	if won != 1 {
		t.Errorf("%d runs took the same host at once, want 1", won)
	}
	entries, _ := os.ReadDir(folder(dir, rb))
	locks := 0
	for _, e := range entries {
		if filepath.Ext(e.Name()) == ".lock" {
			locks++
		}
	}
	if locks != 1 {
		t.Errorf("%d lock files", locks)
	}
}
