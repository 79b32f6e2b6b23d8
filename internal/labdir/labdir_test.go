package labdir

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeT records what a helper did to a test.
type fakeT struct {
	skipped, failed string
}

type stop struct{}

func (f *fakeT) Helper() {}
func (f *fakeT) Skipf(format string, args ...any) {
	f.skipped = fmt.Sprintf(format, args...)
	panic(stop{})
}
func (f *fakeT) Fatalf(format string, args ...any) {
	f.failed = fmt.Sprintf(format, args...)
	panic(stop{})
}

func call(fn func(t T)) *fakeT {
	f := &fakeT{}
	func() {
		defer func() {
			if r := recover(); r != nil {
				if _, ok := r.(stop); !ok {
					panic(r)
				}
			}
		}()
		fn(f)
	}()
	return f
}

func TestDir(t *testing.T) {
	t.Setenv("RUNBOOK_LAB_DIR", "")
	t.Setenv("RUNBOOK_LAB_SLOT", "")
	if d := Dir(); d != "/tmp/runbook-lab" {
		t.Errorf("slot 0: %s", d)
	}
	t.Setenv("RUNBOOK_LAB_SLOT", "3")
	if d := Dir(); d != "/tmp/runbook-lab-slot3" {
		t.Errorf("slot 3: %s", d)
	}
	t.Setenv("RUNBOOK_LAB_DIR", "/srv/lab")
	if d := Dir(); d != "/srv/lab" {
		t.Errorf("explicit: %s", d)
	}
}

// A lab that is up is used only when asked: RUNBOOK_LAB_REQUIRED=1 or an
// explicit RUNBOOK_LAB_DIR; a missing part then skips, or fails when
// required.
func TestLabIsUsedOnlyWhenAsked(t *testing.T) {
	lab := t.TempDir()
	if err := os.MkdirAll(filepath.Join(lab, "ssh"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(lab, "ssh", "env"), []byte("# a lab\nLAB_SSH_USER=rb\nLAB_X='quoted'\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	t.Setenv("RUNBOOK_LAB_DIR", "")
	t.Setenv("RUNBOOK_LAB_REQUIRED", "")
	if f := call(func(t T) { Env(t, "ssh") }); !strings.Contains(f.skipped, "only when asked") {
		t.Errorf("not asked: skipped %q failed %q", f.skipped, f.failed)
	}

	t.Setenv("RUNBOOK_LAB_DIR", lab)
	var env map[string]string
	if f := call(func(t T) { env = Env(t, "ssh") }); f.skipped != "" || f.failed != "" || env["LAB_SSH_USER"] != "rb" || env["LAB_X"] != "quoted" {
		t.Errorf("asked with RUNBOOK_LAB_DIR: %+v %v", f, env)
	}
	if f := call(func(t T) { Env(t, "mariadb") }); !strings.Contains(f.skipped, "mariadb lab not up") {
		t.Errorf("a part that is not up: %+v", f)
	}
	t.Setenv("RUNBOOK_LAB_REQUIRED", "1")
	if f := call(func(t T) { Env(t, "mariadb") }); !strings.Contains(f.failed, "mariadb lab not up") {
		t.Errorf("a required part that is not up: %+v", f)
	}
}

// The lab's location is read here only: no other copy of the defaulting
// comes back.
func TestNoOtherCopyReadsTheLabEnvironment(t *testing.T) {
	root := filepath.Join("..", "..")
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") && p != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || filepath.Base(filepath.Dir(p)) == "labdir" {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, v := range []string{`Getenv("RUNBOOK_LAB_DIR")`, `Getenv("RUNBOOK_LAB_REQUIRED")`, `Getenv("RUNBOOK_LAB_SLOT")`} {
			if strings.Contains(string(b), v) {
				t.Errorf("%s reads %s itself: use internal/labdir", p, v)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
