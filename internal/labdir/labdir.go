// Package labdir says where the project's lab of real parts keeps its
// state and whether tests may use it: the one place that reads
// RUNBOOK_LAB_DIR, RUNBOOK_LAB_SLOT and RUNBOOK_LAB_REQUIRED.
//
// Lab tests run only when asked: RUNBOOK_LAB_REQUIRED=1 (as `make test`
// and CI set it; a missing lab part then fails the test) or an explicit
// RUNBOOK_LAB_DIR (a missing part skips). A lab that merely happens to be
// up on the machine is never used by a plain `go test ./...`.
//
// It imports nothing of the project and not package testing, so that
// every test helper (internal/labtest, the transports' own tests, module
// test helpers) and the bench programs can share it.
package labdir

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Dir is where the lab keeps its state: $RUNBOOK_LAB_DIR, else the
// folder of slot $RUNBOOK_LAB_SLOT as lab/slot.sh names it
// (/tmp/runbook-lab for slot 0, /tmp/runbook-lab-slotN).
func Dir() string {
	if d := os.Getenv("RUNBOOK_LAB_DIR"); d != "" {
		return d
	}
	if s := os.Getenv("RUNBOOK_LAB_SLOT"); len(s) == 1 && s[0] >= '1' && s[0] <= '9' {
		return "/tmp/runbook-lab-slot" + s
	}
	return "/tmp/runbook-lab"
}

// Required reports whether a missing lab part fails tests instead of
// skipping them (RUNBOOK_LAB_REQUIRED=1).
func Required() bool { return os.Getenv("RUNBOOK_LAB_REQUIRED") == "1" }

// Asked reports whether lab tests are to run at all: RUNBOOK_LAB_REQUIRED=1
// or an explicit RUNBOOK_LAB_DIR.
func Asked() bool { return Required() || os.Getenv("RUNBOOK_LAB_DIR") != "" }

// T is what the helpers need of a test; testing.TB has it.
type T interface {
	Helper()
	Fatalf(format string, args ...any)
	Skipf(format string, args ...any)
}

// NotAsked is why a lab test skips when lab tests were not asked for.
const NotAsked = "lab tests run only when asked: RUNBOOK_LAB_REQUIRED=1 (make test) or RUNBOOK_LAB_DIR=..."

// Need skips the test unless lab tests are asked for.
func Need(t T) {
	t.Helper()
	if !Asked() {
		t.Skipf("%s", NotAsked)
	}
}

// Absent skips the test (a lab part it needs is not up), or fails it when
// the lab is required.
func Absent(t T, format string, args ...any) {
	t.Helper()
	if Required() {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

// Env returns the env file of a lab part ("ssh", "systemd", "mariadb",
// "openstack", ...), skipping the test when lab tests are not asked for
// and treating a part that is not up as Absent.
func Env(t T, part string) map[string]string {
	t.Helper()
	Need(t)
	path := filepath.Join(Dir(), part, "env")
	env, err := ReadEnv(path)
	if err != nil {
		Absent(t, "%s lab not up (%v); start it with lab/up.sh %s", part, err, part)
	}
	return env
}

// File returns the path of a file of a lab part, after Need and checking
// it is there (Absent otherwise).
func File(t T, part, name string) string {
	t.Helper()
	Need(t)
	p := filepath.Join(Dir(), part, name)
	if _, err := os.Stat(p); err != nil {
		Absent(t, "%s lab not up (%v); start it with lab/up.sh %s", part, err, part)
	}
	return p
}

// ReadEnv reads a lab env file: KEY=VALUE lines, # comments, values
// optionally quoted.
func ReadEnv(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	env := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok {
			env[k] = strings.Trim(v, `"'`)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return env, nil
}
