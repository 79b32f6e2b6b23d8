package inventory

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// Load reads and merges the inventories at paths. With no path the
// inventory holds only the implicit localhost.
//
// Each path is an HCL file (.hcl), an Ansible YAML inventory (.yml, .yaml,
// .json), an Ansible INI inventory (any other name), or a directory: every
// inventory file in it and its sub-directories, as Ansible reads an
// inventory directory. group_vars/ and host_vars/ next to each file (or in
// the directory) apply to the hosts and groups of the whole inventory.
//
// The Inventory is returned even when diagnostics hold errors, so that
// Files can render them; it must not be used to run anything then.
func Load(paths ...string) (*Inventory, hcl.Diagnostics) {
	return LoadContext(context.Background(), nil, paths...)
}

// LoadWith is Load with dynamic inventory sources, keyed by the type a
// `source "TYPE"` block names. Sources are queried with
// context.Background(); use LoadContext to bound them.
func LoadWith(sources map[string]Source, paths ...string) (*Inventory, hcl.Diagnostics) {
	return LoadContext(context.Background(), sources, paths...)
}

// LoadContext is LoadWith with the context handed to every Source.
func LoadContext(ctx context.Context, sources map[string]Source, paths ...string) (*Inventory, hcl.Diagnostics) {
	b := newBuilder(ctx, sources)
	for _, p := range paths {
		b.loadPath(p)
	}
	inv := b.finish()
	b.warnJinja() // after finish, which reads group_vars and host_vars
	return inv, b.diags
}

func (b *builder) loadPath(p string) {
	st, err := os.Stat(p)
	if err != nil {
		b.errorf(nil, "Cannot read inventory", fmt.Sprintf("Inventory %s: %s.", p, pathError(err)))
		return
	}
	if st.IsDir() {
		b.loadDir(p)
		b.addVarDir(p)
		return
	}
	b.loadFile(p, true)
	b.addVarDir(filepath.Dir(p))
}

// ignoredExts are the endings Ansible skips in an inventory directory.
var ignoredExts = []string{".pyc", ".pyo", ".swp", ".bak", "~", ".rpm", ".md", ".txt", ".rst", ".orig", ".ini", ".cfg", ".retry"}

func (b *builder) loadDir(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		b.errorf(nil, "Cannot read inventory", fmt.Sprintf("Inventory directory %s: %s.", dir, pathError(err)))
		return
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") || name == "group_vars" || name == "host_vars" {
			continue
		}
		skip := false
		for _, ext := range ignoredExts {
			if strings.HasSuffix(name, ext) {
				skip = true
				break
			}
		}
		if skip {
			continue
		}
		full := filepath.Join(dir, name)
		if e.IsDir() {
			b.loadDir(full)
			continue
		}
		b.loadFile(full, false)
	}
}

// loadFile reads one inventory file, choosing the format by its name (and,
// without an extension, by its first line).
func (b *builder) loadFile(path string, explicit bool) {
	src, err := os.ReadFile(path)
	if err != nil {
		b.errorf(nil, "Cannot read inventory", fmt.Sprintf("Inventory file %s: %s.", path, pathError(err)))
		return
	}
	if b.isVault(path, src, hcl.DiagError) {
		return
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".hcl":
		b.loadHCL(path, src)
	case ".yml", ".yaml", ".json":
		b.files[path] = &hcl.File{Bytes: src}
		b.loadYAMLInventory(path, src)
	case ".ini", ".cfg":
		b.files[path] = &hcl.File{Bytes: src}
		b.loadINI(path, src)
	case "":
		b.files[path] = &hcl.File{Bytes: src}
		if looksLikeYAML(src) {
			b.loadYAMLInventory(path, src)
		} else {
			b.loadINI(path, src)
		}
	default:
		if !explicit {
			// Ansible tries every plugin and warns; an unknown ending in a
			// directory is most likely not an inventory.
			b.warnf(nil, "Inventory file skipped", fmt.Sprintf("%s: not an HCL, INI or YAML inventory (by its name).", path))
			return
		}
		b.files[path] = &hcl.File{Bytes: src}
		b.loadINI(path, src)
	}
}

var yamlFirstLine = regexp.MustCompile(`^(---|[A-Za-z0-9_.-]+:\s*(#.*)?)$`)

// looksLikeYAML tells a YAML inventory without extension from an INI one by
// its first significant line ("---" or "all:").
func looksLikeYAML(src []byte) bool {
	for _, line := range bytes.Split(src, []byte("\n")) {
		s := strings.TrimSpace(string(line))
		if s == "" || s[0] == '#' || s[0] == ';' {
			continue
		}
		return yamlFirstLine.MatchString(s)
	}
	return false
}

// isVault reports (and diagnoses) a file encrypted with ansible-vault: an
// error for an inventory, a warning for a vars file (its vars are left out).
func (b *builder) isVault(path string, src []byte, sev hcl.DiagnosticSeverity) bool {
	if !bytes.HasPrefix(src, []byte("$ANSIBLE_VAULT;")) {
		return false
	}
	detail := fmt.Sprintf("%s is encrypted with ansible-vault, which runbook cannot decrypt", path)
	if sev == hcl.DiagWarning {
		detail += "; its vars were left out"
	}
	b.diags = append(b.diags, &hcl.Diagnostic{
		Severity: sev,
		Summary:  "Encrypted file not supported",
		Detail:   detail + ".",
		Subject:  &hcl.Range{Filename: path, Start: hcl.InitialPos, End: hcl.Pos{Line: 1, Column: 15, Byte: 14}},
	})
	return true
}

func pathError(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// expandHome replaces a leading ~ or ~/ with the home directory.
func expandHome(p string) string {
	if p != "~" && !strings.HasPrefix(p, "~/") {
		return p
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return p
	}
	return filepath.Join(home, strings.TrimPrefix(p, "~"))
}

// lineIndex turns line/column positions (1-based, columns in bytes) of a
// source into hcl.Pos values with byte offsets.
type lineIndex struct {
	starts []int
	size   int
}

func newLineIndex(src []byte) *lineIndex {
	li := &lineIndex{starts: []int{0}, size: len(src)}
	for i, c := range src {
		if c == '\n' {
			li.starts = append(li.starts, i+1)
		}
	}
	return li
}

func (li *lineIndex) pos(line, col int) hcl.Pos {
	if line < 1 {
		line = 1
	}
	if col < 1 {
		col = 1
	}
	off := 0
	if line-1 < len(li.starts) {
		off = li.starts[line-1] + col - 1
	}
	if off > li.size {
		off = li.size
	}
	return hcl.Pos{Line: line, Column: col, Byte: off}
}

// rng is the range of n bytes at line:col.
func (li *lineIndex) rng(file string, line, col, n int) hcl.Range {
	if n < 1 {
		n = 1
	}
	return hcl.Range{Filename: file, Start: li.pos(line, col), End: li.pos(line, col+n)}
}
