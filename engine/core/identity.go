package core

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// RunbookIdentity says which runbook was loaded: its absolute path and a
// hash of its files (every regular file under its folder, names and
// contents, hidden folders left out), so that a journal is only resumed
// by the runbook that wrote it, unchanged.
func (l *Loaded) RunbookIdentity() (path, hash string, err error) {
	dir := l.Runbook.Dir
	path, err = filepath.Abs(dir)
	if err != nil {
		return "", "", err
	}
	h := sha256.New()
	root := path
	fi, err := os.Stat(root)
	if err != nil {
		return "", "", err
	}
	if !fi.IsDir() {
		root = filepath.Dir(root)
	}
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != root && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		fmt.Fprintf(h, "%s\x00%d\x00", rel, len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		return "", "", fmt.Errorf("reading the runbook's files: %w", err)
	}
	return path, hex.EncodeToString(h.Sum(nil)), nil
}

// HostsHash is a hash of the hosts the run has instances on, with how they
// are reached (transport, address, port, user): what --resume checks the
// journal's run ran against.
func (p *Prepared) HostsHash() string {
	names := p.Hosts()
	sort.Strings(names)
	h := sha256.New()
	for _, name := range names {
		ep := p.l.Inventory.Hosts[name].Endpoint
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00%d\x00%s\n", name, ep.Transport, ep.Address, ep.Port, ep.User)
	}
	return hex.EncodeToString(h.Sum(nil))
}
