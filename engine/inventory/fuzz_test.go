package inventory

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func addSeeds(f *testing.F, globs ...string) {
	f.Helper()
	n := 0
	for _, g := range globs {
		paths, _ := filepath.Glob(g)
		for _, p := range paths {
			src, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(src)
			n++
		}
	}
	if n == 0 {
		f.Fatalf("no seeds for %v", globs)
	}
}

// exercise runs what the engine does with a loaded inventory.
func exercise(t *testing.T, b *builder) {
	inv := b.finish()
	if inv == nil || inv.Groups[AllGroup] == nil || inv.Hosts[LocalhostName] == nil {
		t.Fatal("finish must always return all, ungrouped and localhost")
	}
	for _, p := range []string{"all", "*", "!all", "x*:&all", "~.*", "all[0]"} {
		_, _ = inv.Select([]string{p})
	}
	if _, err := inv.MarshalJSON(); err != nil {
		t.Fatal(err)
	}
}

// FuzzLoadHCL feeds arbitrary bytes to the HCL reader: diagnostics are
// fine, panics are not.
func FuzzLoadHCL(f *testing.F) {
	addSeeds(f, "testdata/valid/*/*.hcl", "testdata/invalid/*.hcl")
	f.Fuzz(func(t *testing.T, src []byte) {
		b := newBuilder(context.Background(), testSources())
		b.loadHCL("fuzz.hcl", src)
		exercise(t, b)
	})
}

func FuzzLoadINI(f *testing.F) {
	addSeeds(f, "testdata/valid/kolla_multinode/multinode", "testdata/valid/mixed/site.ini", "testdata/invalid/*.ini", "testdata/precedence/hosts")
	f.Fuzz(func(t *testing.T, src []byte) {
		b := newBuilder(context.Background(), nil)
		b.loadINI("fuzz", src)
		exercise(t, b)
	})
}

func FuzzLoadYAML(f *testing.F) {
	addSeeds(f, "testdata/valid/osa_yaml/inventory/*.yml", "testdata/invalid/*.yml")
	f.Fuzz(func(t *testing.T, src []byte) {
		b := newBuilder(context.Background(), nil)
		b.loadYAMLInventory("fuzz.yml", src)
		exercise(t, b)
	})
}

func FuzzSelect(f *testing.F) {
	for _, s := range []string{"all", "control[0:1]", "~c.*:!compute", "a,b:&c", "[", "x[-9]", "*[", "~("} {
		f.Add(s)
	}
	inv, diags := Load("testdata/valid/kolla_multinode/multinode")
	if diags.HasErrors() {
		f.Fatal(diags)
	}
	f.Fuzz(func(t *testing.T, pattern string) {
		hosts, err := inv.Select([]string{pattern})
		if err == nil {
			for _, h := range hosts {
				if h == nil {
					t.Fatal("nil host")
				}
			}
		}
	})
}
