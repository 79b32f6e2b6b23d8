package inventory

import (
	"strings"
	"testing"
)

func TestSelect(t *testing.T) {
	inv, diags := Load("testdata/valid/kolla_multinode/multinode")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	cases := []struct {
		name     string
		patterns []string
		want     string // host names, comma separated; or "error: substring"
	}{
		{"host", []string{"control02"}, "control02"},
		{"group", []string{"network"}, "network01,network02"},
		{"group via children", []string{"trove-api"}, "control01,control02,control03"},
		{"all", []string{"all"}, "control01,control02,control03,network01,network02,compute01,compute02,compute03,monitoring01,storage01,localhost"},
		{"star", []string{"*"}, "control01,control02,control03,network01,network02,compute01,compute02,compute03,monitoring01,storage01,localhost"},
		{"empty means all", nil, "control01,control02,control03,network01,network02,compute01,compute02,compute03,monitoring01,storage01,localhost"},
		{"glob on hosts", []string{"compute0*"}, "compute01,compute02,compute03"},
		{"glob on groups", []string{"trove-*"}, "control01,control02,control03"},
		{"glob question mark", []string{"control0?"}, "control01,control02,control03"},
		{"comma union in declaration order", []string{"storage01,control01"}, "control01,storage01"},
		{"colon union", []string{"monitoring:storage"}, "monitoring01,storage01"},
		{"several arguments", []string{"monitoring", "storage"}, "monitoring01,storage01"},
		{"exclusion", []string{"baremetal:!compute"}, "control01,control02,control03,network01,network02,monitoring01,storage01"},
		{"exclusion first still applies last", []string{"!compute,openvswitch"}, "network01,network02"},
		{"intersection", []string{"openvswitch:&compute"}, "compute01,compute02,compute03"},
		{"only exclusion starts from all", []string{"!baremetal"}, "localhost"},
		{"regex", []string{"~(network|storage)0[12]"}, "network01,network02,storage01"},
		{"subscript", []string{"control[0]"}, "control01"},
		{"negative subscript", []string{"control[-1]"}, "control03"},
		{"subscript range inclusive", []string{"compute[1:2]"}, "compute02,compute03"},
		{"subscript open end", []string{"control[1:]"}, "control02,control03"},
		{"duplicates once", []string{"control01,control,trove"}, "control01,control02,control03"},
		{"unknown name", []string{"control,contrl"}, `error: host pattern "contrl" matches no host or group (did you mean "control"?)`},
		{"unknown exclusion", []string{"all:!nosuch"}, `error: "nosuch" matches no host`},
		{"glob matching nothing", []string{"db*"}, `error: "db*" matches no host`},
		{"bad regex", []string{"~ctl["}, "error: invalid regular expression"},
		{"subscript out of range", []string{"control[5]"}, "error: subscript out of range"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			hosts, err := inv.Select(c.patterns)
			if strings.HasPrefix(c.want, "error: ") {
				if err == nil || !strings.Contains(err.Error(), strings.TrimPrefix(c.want, "error: ")) {
					t.Fatalf("err = %v, want one containing %q", err, strings.TrimPrefix(c.want, "error: "))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, h := range hosts {
				names = append(names, h.Name)
			}
			if got := strings.Join(names, ","); got != c.want {
				t.Errorf("Select(%q) = %s, want %s", c.patterns, got, c.want)
			}
		})
	}
}

func TestSelectImplicitLocalhost(t *testing.T) {
	inv, diags := Load("testdata/valid/hcl_devstack/inventory.hcl", "testdata/valid/mixed/site.ini")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	// hcl_devstack declares localhost: it is in all.
	if hs, _ := inv.Select([]string{"local*"}); len(hs) != 1 || hs[0].Implicit {
		t.Errorf("declared localhost should match globs: %v", hs)
	}

	inv, diags = Load("testdata/valid/mixed/site.ini")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	all, _ := inv.Select([]string{"all"})
	for _, h := range all {
		if h.Name == LocalhostName {
			t.Errorf("the implicit localhost must not be in all")
		}
	}
	hs, err := inv.Select([]string{"localhost"})
	if err != nil || len(hs) != 1 || !hs[0].Implicit || hs[0].Endpoint.Transport != "local" {
		t.Fatalf("Select(localhost) = %v, %v; want the implicit local host", hs, err)
	}
	if _, err := inv.Select([]string{"local*"}); err == nil {
		t.Errorf("a glob must not pick the implicit localhost")
	}
}

func TestSplitPatterns(t *testing.T) {
	cases := map[string]string{
		"a,b":            "a|b",
		"a:b:!c:&d":      "a|b|!c|&d",
		"web[0:2]:db":    "web[0:2]|db",
		" a , b ":        "a|b",
		"fe80::1":        "fe80::1",
		"~ctl[0-9]:x":    "~ctl[0-9]:x",
		"a,,b":           "a|b",
		"g[1:]:!g[0]":    "g[1:]|!g[0]",
		"2001:db8::1,db": "2001:db8::1|db",
	}
	for in, want := range cases {
		if got := strings.Join(splitPatterns(in), "|"); got != want {
			t.Errorf("splitPatterns(%q) = %s, want %s", in, got, want)
		}
	}
}
