package inventory

import (
	"github.com/hashicorp/hcl/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Ansible's host_group_vars: for an entity NAME, group_vars/NAME (a folder:
// every file in it, recursively, sorted), then group_vars/NAME.yml,
// NAME.yaml, NAME.json, in that order; likewise host_vars/. Files for
// groups or hosts the inventory does not have are not read.

var varsExts = []string{"", ".yml", ".yaml", ".json"}

// loadVarDirs reads group_vars/ and host_vars/ of every inventory
// directory, in the order the directories were given.
func (b *builder) loadVarDirs() {
	for _, dir := range b.varDirs {
		b.loadVarsFolder(filepath.Join(dir, "group_vars"), func(name string) *[]*layer {
			if g, ok := b.groups[name]; ok {
				return &g.groupVars
			}
			return nil
		})
		b.loadVarsFolder(filepath.Join(dir, "host_vars"), func(name string) *[]*layer {
			if h, ok := b.hosts[name]; ok {
				return &h.hostVars
			}
			return nil
		})
	}
}

func (b *builder) loadVarsFolder(folder string, target func(name string) *[]*layer) {
	entries, err := os.ReadDir(folder)
	if err != nil {
		return // no folder: nothing to add
	}
	// entity name -> paths in Ansible's order
	found := map[string][]string{}
	var names []string
	for _, e := range entries {
		n := e.Name()
		if strings.HasPrefix(n, ".") || strings.HasSuffix(n, "~") {
			continue
		}
		stem, ext := n, ""
		if !e.IsDir() {
			ext = filepath.Ext(n)
			if ext != ".yml" && ext != ".yaml" && ext != ".json" {
				ext = ""
			}
			stem = strings.TrimSuffix(n, ext)
			if ext == "" && filepath.Ext(n) != "" {
				continue // some other kind of file
			}
		}
		if _, ok := found[stem]; !ok {
			names = append(names, stem)
		}
		found[stem] = append(found[stem], n)
	}
	sort.Strings(names)
	for _, name := range names {
		dst := target(name)
		if dst == nil {
			continue
		}
		files := found[name]
		sort.Slice(files, func(i, j int) bool { return extRank(files[i]) < extRank(files[j]) })
		for _, f := range files {
			full := filepath.Join(folder, f)
			if st, err := os.Stat(full); err == nil && st.IsDir() {
				for _, p := range varsFilesIn(full) {
					b.loadVarsFile(p, dst)
				}
				continue
			}
			b.loadVarsFile(full, dst)
		}
	}
}

func extRank(name string) int {
	ext := filepath.Ext(name)
	for i, e := range varsExts {
		if e == ext {
			return i
		}
	}
	return 0
}

// varsFilesIn lists the vars files under dir, recursively, sorted.
func varsFilesIn(dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	var out []string
	for _, e := range entries {
		n := e.Name()
		if strings.HasPrefix(n, ".") || strings.HasSuffix(n, "~") {
			continue
		}
		full := filepath.Join(dir, n)
		if e.IsDir() {
			out = append(out, varsFilesIn(full)...)
			continue
		}
		switch filepath.Ext(n) {
		case "", ".yml", ".yaml", ".json":
			out = append(out, full)
		}
	}
	return out
}

// loadVarsFile reads one YAML vars file into a new layer of dst.
func (b *builder) loadVarsFile(path string, dst *[]*layer) {
	src, err := os.ReadFile(path)
	if err != nil {
		b.errorf(nil, "Cannot read vars file", path+": "+pathError(err)+".")
		return
	}
	if b.isVault(path, src, hcl.DiagWarning) {
		return
	}
	b.files[path] = &hcl.File{Bytes: src}
	d, ok := b.parseYAML(path, src)
	if !ok || d.root == nil {
		return
	}
	root := resolveAlias(d.root)
	if isNull(root) {
		return
	}
	if l, ok := b.yamlVars(d, root, "vars file "+path); ok {
		*dst = append(*dst, &l)
	}
}
