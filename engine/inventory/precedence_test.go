package inventory

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

// precedenceLevels in Ansible's order, lowest first; testdata/precedence
// sets var upto_X at every level up to X, so X must win.
var precedenceLevels = []string{
	"defaults",   // HCL defaults block
	"all_inv",    // [all:vars] in the inventory file
	"parent_inv", // [parent:vars] (depth 1)
	"child_inv",  // [child:vars] (depth 2)
	"all_gv",     // group_vars/all.yml
	"parent_gv",  // group_vars/parent.yml
	"child_gv",   // group_vars/child.yml
	"host_inv",   // inline vars on the host line
	"host_hv",    // host_vars/h1.yml
}

func loadPrecedence(t *testing.T) *Inventory {
	t.Helper()
	inv, diags := Load("testdata/precedence/inventory.hcl", "testdata/precedence/hosts")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return inv
}

func TestPrecedenceLevels(t *testing.T) {
	inv := loadPrecedence(t)
	h1 := inv.Hosts["h1"]
	for _, lvl := range precedenceLevels {
		t.Run(lvl, func(t *testing.T) {
			v, ok := h1.Vars["upto_"+lvl]
			if !ok {
				t.Fatalf("upto_%s missing", lvl)
			}
			if v.AsString() != lvl {
				t.Errorf("upto_%s = %q, want %q (the highest level that sets it)", lvl, v.AsString(), lvl)
			}
		})
	}
}

func TestPrecedenceSameDepthByName(t *testing.T) {
	inv := loadPrecedence(t)
	if got := inv.Hosts["h3"].Vars["same_depth"]; got != cty.StringVal("beta") {
		t.Errorf("same_depth = %#v, want beta (same depth: later name wins)", got)
	}
}

func TestPrecedenceConnection(t *testing.T) {
	inv := loadPrecedence(t)
	cases := []struct {
		host, user string
		port       int
	}{
		// child_gv (group_vars/child.yml) beats parent inventory vars and the HCL defaults
		{"h1", "from-child-gv", 2201},
		{"h2", "from-child-gv", 22},
		// h3 is only in alpha/beta: group_vars/all beats the HCL defaults
		{"h3", "from-group-vars-all", 22},
	}
	for _, c := range cases {
		ep := inv.Hosts[c.host].Endpoint
		if ep.User != c.user || ep.Port != c.port {
			t.Errorf("%s: user %q port %d, want %q %d", c.host, ep.User, ep.Port, c.user, c.port)
		}
	}
}

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestPrecedenceGroupPriority(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"hosts": "[alpha]\nh\n[beta]\nh\n[alpha:vars]\nx=alpha\nansible_group_priority=10\n[beta:vars]\nx=beta\n",
	})
	inv, diags := Load(dir)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if got := inv.Hosts["h"].Vars["x"]; got != cty.StringVal("alpha") {
		t.Errorf("x = %#v, want alpha (ansible_group_priority 10 beats the default 1)", got)
	}
}

func TestPrecedenceHCL(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"inv.hcl": `
defaults {
  user = "d"
  port = 2000
  become = true
  vars = { a = "defaults", b = "defaults", c = "defaults" }
}
group "parent" {
  children = ["child"]
  user = "parent"
  vars = { b = "parent", c = "parent" }
}
group "child" {
  port = 3000
  vars = { c = "child" }
}
host "h" {
  groups = ["child"]
  become = false
  vars = { ansible_user = "from-var" }
}
host "k" {
  groups = ["child"]
  user   = "k"
  vars   = { ansible_user = "ignored: the attribute of the same block wins" }
}
`,
	})
	inv, diags := Load(filepath.Join(dir, "inv.hcl"))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	h := inv.Hosts["h"]
	want := map[string]string{"a": "defaults", "b": "parent", "c": "child"}
	for k, w := range want {
		if got := h.Vars[k].AsString(); got != w {
			t.Errorf("var %s = %q, want %q", k, got, w)
		}
	}
	if h.Endpoint.User != "from-var" || h.Endpoint.Port != 3000 || h.Become {
		t.Errorf("h: user %q port %d become %v, want from-var 3000 false", h.Endpoint.User, h.Endpoint.Port, h.Become)
	}
	if u := inv.Hosts["k"].Endpoint.User; u != "k" {
		t.Errorf("k: user %q, want k", u)
	}
}

func TestVarsFolderOrder(t *testing.T) {
	// group_vars/NAME/ (every file, sorted) then NAME.yml, .yaml, .json
	dir := writeFiles(t, map[string]string{
		"hosts":                    "[g]\nh\n",
		"group_vars/g/a.yml":       "v: dir-a\nonly_dir: yes\n",
		"group_vars/g/sub/b.yml":   "v: dir-sub-b\n",
		"group_vars/g.yml":         "v: g.yml\n",
		"group_vars/g.json":        `{"v": "g.json"}`,
		"group_vars/g/notes.txt":   "v: never read\n",
		"host_vars/h":              "hv: plain file without extension\n",
		"host_vars/other.yml":      "broken: [yaml\n", // no such host: never read
		"group_vars/.hidden.yml":   "v: hidden\n",
		"group_vars/g/.swap.yml~~": "v: ignored\n",
	})
	inv, diags := Load(dir)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	h := inv.Hosts["h"]
	if got := h.Vars["v"].AsString(); got != "g.json" {
		t.Errorf("v = %q, want g.json (the last of Ansible's order)", got)
	}
	if got := h.Vars["only_dir"]; got != cty.True {
		t.Errorf("only_dir = %#v, want true", got)
	}
	if got := h.Vars["hv"]; got != cty.StringVal("plain file without extension") {
		t.Errorf("hv = %#v", got)
	}
	if !strings.Contains(inv.Groups["g"].Vars["v"].AsString(), "g.json") {
		t.Errorf("group g vars: %#v", inv.Groups["g"].Vars)
	}
}
