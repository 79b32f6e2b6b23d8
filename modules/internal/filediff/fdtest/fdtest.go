// Package fdtest holds test helpers the file modules share: checking a
// module's example against its schema, snapshots of a directory to prove
// a plan wrote nothing, and a plain rendering of diff items.
package fdtest

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/runbook-dev/runbook/engine/module"
)

// CheckExample checks that the module has a summary and a doc page
// starting with "# name", and that every block named name in its example
// fits its argument schema.
func CheckExample(t *testing.T, m module.Module, name string) {
	t.Helper()
	s := m.Schema()
	if s.Summary == "" || !strings.HasPrefix(s.Doc, "# "+name+"\n") {
		t.Errorf("schema lacks a summary or a doc starting with # %s", name)
	}
	f, diags := hclsyntax.ParseConfig([]byte(s.Example), "example.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	n := 0
	for _, task := range f.Body.(*hclsyntax.Body).Blocks {
		for _, b := range task.Body.Blocks {
			if b.Type == name {
				n++
				if _, diags := b.Body.Content(hcldec.ImpliedSchema(s.Args)); diags.HasErrors() {
					t.Errorf("example block at %s: %s", b.DefRange(), diags.Error())
				}
			}
		}
	}
	if n == 0 {
		t.Errorf("example has no %s block", name)
	}
}

// Snapshot renders every entry under dir: path, mode, modification time,
// link target and content.
func Snapshot(t testing.TB, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s %v %d\n", p, fi.Mode(), fi.ModTime().UnixNano())
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			fmt.Fprintf(&b, "-> %s\n", target)
		case d.Type().IsRegular():
			c, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			b.Write(c)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// Render renders diff items as the human renderer does, without colour.
func Render(d *module.Diff) string {
	if d == nil {
		return ""
	}
	var b strings.Builder
	for _, it := range d.Items {
		sign := "~"
		if it.BeforeAbsent {
			sign = "+"
		} else if it.AfterAbsent {
			sign = "-"
		}
		switch {
		case it.Sensitive:
			fmt.Fprintf(&b, "%s %s: (sensitive)\n", sign, it.Name)
		case it.Unified != "":
			fmt.Fprintf(&b, "%s %s:\n%s", sign, it.Name, it.Unified)
		case sign == "+":
			fmt.Fprintf(&b, "%s %s: %s\n", sign, it.Name, it.After)
		case sign == "-":
			fmt.Fprintf(&b, "%s %s: %s\n", sign, it.Name, it.Before)
		default:
			fmt.Fprintf(&b, "%s %s: %s -> %s\n", sign, it.Name, it.Before, it.After)
		}
	}
	return b.String()
}
