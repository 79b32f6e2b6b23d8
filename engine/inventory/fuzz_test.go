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

// FuzzLoadDir feeds an Ansible inventory folder (an INI or YAML hosts
// file, group_vars/ and host_vars/ files) through Load, as an operator's
// -i FOLDER: the merge of variables from all of them must give diagnostics,
// never a panic.
func FuzzLoadDir(f *testing.F) {
	f.Add([]byte("[web]\nw1 ansible_host=10.0.0.1\nw2\n[db:children]\nweb\n"), []byte("port: 80\nlist: [1, 2]\n"), []byte("port: 81\nnested: {a: {b: c}}\n"), false)
	f.Add([]byte("all:\n  children:\n    web:\n      hosts:\n        w1: {ansible_port: 2222}\n"), []byte("{\"port\": 80}"), []byte("- not a map\n"), true)
	f.Add([]byte("[web]\nw1\n"), []byte("&a x: *a\n"), []byte("port: !!int nope\n"), false)
	f.Add([]byte("[web\nw1 = 2\n"), []byte(""), []byte("\x00\xff"), false)
	base := f.TempDir()
	n := 0
	f.Fuzz(func(t *testing.T, hosts, groupVars, hostVars []byte, yaml bool) {
		n++
		dir := filepath.Join(base, filepath.Base(t.Name())+"-"+string(rune('a'+n%26)))
		for _, d := range []string{"group_vars", "host_vars"} {
			if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
				t.Fatal(err)
			}
		}
		name := "hosts"
		if yaml {
			name = "hosts.yml"
		}
		files := map[string][]byte{
			name:                          hosts,
			"group_vars/all.yml":          groupVars,
			"group_vars/web.yml":          hostVars,
			"host_vars/w1.yml":            hostVars,
			"host_vars/w2/extra.json":     groupVars,
			"group_vars/db/00-first.yaml": hostVars,
		}
		for p, b := range files {
			full := filepath.Join(dir, p)
			if err := os.MkdirAll(filepath.Dir(full), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(full, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		inv, diags := Load(dir)
		for _, d := range diags {
			if d.Summary == "" {
				t.Errorf("diagnostic without a summary: %#v", d)
			}
		}
		if inv == nil {
			t.Fatal("Load returned no inventory")
		}
		for _, p := range []string{"all", "web", "db", "w*"} {
			_, _ = inv.Select([]string{p})
		}
		if _, err := inv.MarshalJSON(); err != nil {
			t.Fatal(err)
		}
		_ = os.RemoveAll(dir)
	})
}
