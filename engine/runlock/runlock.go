// Package runlock owns the lock that keeps two runs of one runbook off the
// same hosts at once. A run of a runbook takes the lock for the hosts it
// has instances on; a second run of that runbook whose hosts overlap
// refuses to start and names the run that holds them (its id, user,
// machine and start time). A lock whose process is gone is stale: the
// next run takes it over, with a warning. A lock can also be broken by
// hand (runbook run --force-unlock ID), as Terraform's force-unlock.
//
// Locks are files in a folder of the state directory, one folder per
// runbook (by its absolute path) and one file per run holding it; a flock
// on the folder's .mutex file makes checking and taking atomic among runs
// on this machine. A check takes no lock: it changes nothing.
package runlock

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Holder is a run that holds a lock.
type Holder struct {
	RunID   string    `json:"run_id"`
	Runbook string    `json:"runbook"` // absolute path
	User    string    `json:"user"`
	Machine string    `json:"machine"` // hostname of the control node
	PID     int       `json:"pid"`
	Started time.Time `json:"started"` // when the run took the lock
	// ProcStart is the process's start time in clock ticks since boot
	// (/proc/PID/stat), so a reused PID is not taken for the run.
	ProcStart string   `json:"proc_start,omitempty"`
	Hosts     []string `json:"hosts"`
}

func (h Holder) String() string {
	return fmt.Sprintf("run %s by %s on %s (pid %d), started %s", h.RunID, h.User, h.Machine, h.PID, h.Started.Local().Format("2006-01-02 15:04:05 MST"))
}

// HeldError is returned when another run of the runbook holds some of the
// hosts.
type HeldError struct {
	Holder Holder
	Hosts  []string // the hosts both runs would touch
}

func (e *HeldError) Error() string {
	return fmt.Sprintf("the runbook %s is running against %s: %s holds the lock. Wait for it to end; if it is gone for good, run again with --force-unlock %s",
		e.Holder.Runbook, list(e.Hosts), e.Holder, e.Holder.RunID)
}

func list(hosts []string) string {
	if len(hosts) > 5 {
		return strings.Join(hosts[:5], ", ") + fmt.Sprintf(" and %d more", len(hosts)-5)
	}
	return strings.Join(hosts, ", ")
}

// Lock is a lock taken by this run.
type Lock struct {
	path string
}

// folder is the lock folder of a runbook under dir.
func folder(dir, runbook string) string {
	sum := sha256.Sum256([]byte(runbook))
	return filepath.Join(dir, hex.EncodeToString(sum[:8]))
}

// Acquire takes the lock of runbook (an absolute path) for hosts, in the
// locks folder dir, for run id. It returns the stale locks it took over
// (their processes are gone), or a *HeldError when a live run holds one of
// the hosts.
func Acquire(dir, runbook, runID string, hosts []string) (*Lock, []Holder, error) {
	f := folder(dir, runbook)
	if err := os.MkdirAll(f, 0o700); err != nil {
		return nil, nil, fmt.Errorf("creating the lock folder: %w", err)
	}
	unlock, err := mutex(f)
	if err != nil {
		return nil, nil, err
	}
	defer unlock()
	holders, err := read(f)
	if err != nil {
		return nil, nil, err
	}
	want := map[string]bool{}
	for _, h := range hosts {
		want[h] = true
	}
	machine, _ := os.Hostname()
	var stale []Holder
	for _, h := range holders {
		if h.RunID == runID {
			continue // our own lock left by an earlier try of this run (resume)
		}
		if h.Machine == machine && !alive(h) {
			if err := os.Remove(lockFile(f, h.RunID)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return nil, nil, err
			}
			stale = append(stale, h)
			continue
		}
		var both []string
		for _, x := range h.Hosts {
			if want[x] {
				both = append(both, x)
			}
		}
		if len(both) > 0 {
			sort.Strings(both)
			return nil, stale, &HeldError{Holder: h, Hosts: both}
		}
	}
	me := Holder{RunID: runID, Runbook: runbook, User: currentUser(), Machine: machine, PID: os.Getpid(),
		Started: time.Now().UTC(), ProcStart: procStart(os.Getpid()), Hosts: append([]string(nil), hosts...)}
	sort.Strings(me.Hosts)
	b, err := json.MarshalIndent(me, "", "  ")
	if err != nil {
		return nil, nil, err
	}
	p := lockFile(f, runID)
	if err := os.WriteFile(p+".tmp", append(b, '\n'), 0o600); err != nil {
		return nil, nil, fmt.Errorf("writing the lock: %w", err)
	}
	if err := os.Rename(p+".tmp", p); err != nil {
		return nil, nil, fmt.Errorf("writing the lock: %w", err)
	}
	return &Lock{path: p}, stale, nil
}

// Release gives the lock up.
func (l *Lock) Release() error {
	if l == nil {
		return nil
	}
	if err := os.Remove(l.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// ForceUnlock removes the lock run id holds on runbook, returning who held
// it; an error when there is no such lock.
func ForceUnlock(dir, runbook, runID string) (Holder, error) {
	f := folder(dir, runbook)
	unlock, err := mutex(f)
	if err != nil {
		return Holder{}, err
	}
	defer unlock()
	holders, err := read(f)
	if err != nil {
		return Holder{}, err
	}
	for _, h := range holders {
		if h.RunID == runID {
			return h, os.Remove(lockFile(f, runID))
		}
	}
	return Holder{}, fmt.Errorf("no run %s holds a lock on the runbook %s", runID, runbook)
}

// Holders lists the runs holding a lock on runbook.
func Holders(dir, runbook string) ([]Holder, error) {
	return read(folder(dir, runbook))
}

func lockFile(folder, runID string) string { return filepath.Join(folder, runID+".lock") }

// mutex flocks the folder's .mutex file until the returned func is called.
func mutex(folder string) (func(), error) {
	if err := os.MkdirAll(folder, 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(folder, ".mutex"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening the lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("locking: %w", err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

func read(folder string) ([]Holder, error) {
	entries, err := os.ReadDir(folder)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Holder
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".lock") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(folder, e.Name()))
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			return nil, err
		}
		var h Holder
		if err := json.Unmarshal(b, &h); err != nil || h.RunID == "" {
			return nil, fmt.Errorf("the lock %s is not readable: remove it if no run holds it", filepath.Join(folder, e.Name()))
		}
		out = append(out, h)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Started.Before(out[j].Started) })
	return out, nil
}

// alive reports whether the process that took a lock on this machine is
// still there (and is the same process, not a reused PID).
func alive(h Holder) bool {
	if h.PID <= 0 {
		return false
	}
	err := syscall.Kill(h.PID, 0)
	if err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	if h.ProcStart != "" {
		if now := procStart(h.PID); now != "" && now != h.ProcStart {
			return false
		}
	}
	return true
}

// procStart reads a process's start time (field 22 of /proc/PID/stat), or
// "" when it cannot.
func procStart(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return ""
	}
	s := string(b)
	// The command name (field 2) is in parentheses and may hold blanks.
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return ""
	}
	fields := strings.Fields(s[i+1:])
	if len(fields) < 20 {
		return ""
	}
	return fields[19] // field 22 overall: fields after ")" start at field 3
}

func currentUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return strconv.Itoa(os.Getuid())
}
