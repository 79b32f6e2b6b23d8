package inventory

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeBigHCL writes an inventory of n hosts in 20 groups (two levels),
// each host with vars, a bastion jump and group membership.
func writeBigHCL(b *testing.B, n int) string {
	b.Helper()
	var sb strings.Builder
	sb.WriteString("defaults {\n  user = \"ops\"\n  private_key = \"~/.ssh/id_ed25519\"\n  vars = { region = \"RegionOne\" }\n}\n")
	sb.WriteString("host \"bastion\" {\n  address = \"203.0.113.1\"\n}\n")
	for g := 0; g < 20; g++ {
		fmt.Fprintf(&sb, "group \"rack%02d\" {\n  vars = { rack = %d, tor = \"tor-%d\" }\n}\n", g, g, g)
	}
	sb.WriteString("group \"racks_even\" {\n  children = [")
	for g := 0; g < 20; g += 2 {
		fmt.Fprintf(&sb, "\"rack%02d\", ", g)
	}
	sb.WriteString("]\n  become = true\n}\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&sb, "host \"node%04d\" {\n  address = \"10.%d.%d.%d\"\n  groups = [\"rack%02d\"]\n  jump = [\"bastion\"]\n  vars = { idx = %d, roles = [\"compute\", \"storage\"], tags = { az = \"az%d\" } }\n}\n",
			i, i/65536, (i/256)%256, i%256, i%20, i, i%3)
	}
	p := filepath.Join(b.TempDir(), "big.hcl")
	if err := os.WriteFile(p, []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	return p
}

func writeBigINI(b *testing.B, n int) string {
	b.Helper()
	var sb strings.Builder
	sb.WriteString("[all:vars]\nansible_user=kolla\n")
	for g := 0; g < 20; g++ {
		fmt.Fprintf(&sb, "[rack%02d]\n", g)
		for i := g; i < n; i += 20 {
			fmt.Fprintf(&sb, "node%04d ansible_host=10.%d.%d.%d idx=%d roles=\"['compute']\"\n", i, i/65536, (i/256)%256, i%256, i)
		}
		fmt.Fprintf(&sb, "[rack%02d:vars]\nrack=%d\n", g, g)
	}
	for _, svc := range []string{"nova", "neutron", "trove", "cinder", "glance"} {
		fmt.Fprintf(&sb, "[%s:children]\n", svc)
		for g := 0; g < 20; g++ {
			fmt.Fprintf(&sb, "rack%02d\n", g)
		}
		fmt.Fprintf(&sb, "[%s-api:children]\n%s\n", svc, svc)
	}
	p := filepath.Join(b.TempDir(), "big")
	if err := os.WriteFile(p, []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	return p
}

func benchLoad(b *testing.B, path string, hosts int) {
	b.ReportAllocs()
	for b.Loop() {
		inv, diags := Load(path)
		if diags.HasErrors() {
			b.Fatal(diags)
		}
		if len(inv.Groups[AllGroup].Hosts) != hosts {
			b.Fatalf("%d hosts", len(inv.Groups[AllGroup].Hosts))
		}
	}
}

func BenchmarkLoadHCL1000(b *testing.B) { benchLoad(b, writeBigHCL(b, 1000), 1001) }
func BenchmarkLoadINI1000(b *testing.B) { benchLoad(b, writeBigINI(b, 1000), 1000) }

func BenchmarkSelect1000(b *testing.B) {
	inv, diags := Load(writeBigINI(b, 1000))
	if diags.HasErrors() {
		b.Fatal(diags)
	}
	b.ReportAllocs()
	for b.Loop() {
		hs, err := inv.Select([]string{"trove-api:&rack0*:!node00*"})
		if err != nil || len(hs) == 0 {
			b.Fatal(err)
		}
	}
}
