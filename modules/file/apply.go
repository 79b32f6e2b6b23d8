package file

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"strconv"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/transport"
	"github.com/runbook-dev/runbook/modules/internal/filediff"
)

// apply makes the change the plan found, one argv command at a time.
func (p *plan) apply(ctx context.Context, conn transport.Conn) error {
	w := p.w
	switch {
	case p.remove:
		argv := []string{"rm", "-f", "--", w.path}
		if p.fi.IsDir() {
			argv = []string{"rm", "-rf", "--", w.path}
		}
		return run(ctx, conn, "removing "+w.path, argv...)
	case p.create && w.state == "directory":
		if err := run(ctx, conn, "creating directory "+w.path, "mkdir", "-p", "--", w.path); err != nil {
			return err
		}
	case p.create && w.state == "touch":
		mode := filediff.DefaultMode
		if w.attrs.Mode != nil {
			mode = *w.attrs.Mode
		}
		if err := conn.Upload(ctx, bytes.NewReader(nil), w.path, mode.Perm()); err != nil {
			return fmt.Errorf("creating %s: %w", w.path, err)
		}
	case p.create || p.relink:
		// A new link under a temporary name, renamed over the path: the
		// path is never missing while an old link or file is replaced.
		tmp := path.Join(path.Dir(w.path), "."+path.Base(w.path)+".runbook-"+nonce())
		if err := run(ctx, conn, "creating link "+w.path, "ln", "-s", "--", w.src, tmp); err != nil {
			return err
		}
		if err := run(ctx, conn, "creating link "+w.path, "mv", "-Tf", "--", tmp, w.path); err != nil {
			_ = run(context.WithoutCancel(ctx), conn, "cleaning up", "rm", "-f", "--", tmp)
			return err
		}
	}
	if err := p.setAttrs(ctx, conn); err != nil {
		return err
	}
	if w.recurse && p.inside != "" {
		// -h: a link inside gets the owner itself; its target is not touched.
		return run(ctx, conn, "setting the owner of what is in "+w.path, "chown", "-hR", "--", ownerGroup(w.attrs), w.path)
	}
	return nil
}

// setAttrs sets owner and group (of the link itself for a link), then the
// mode, which comes last because chown clears setuid and setgid bits.
func (p *plan) setAttrs(ctx context.Context, conn transport.Conn) error {
	w := p.w
	var owner, group, mode bool
	for _, it := range p.attrs {
		switch it.Name {
		case "owner":
			owner = true
		case "group":
			group = true
		case "mode":
			mode = true
		}
	}
	if owner || group {
		spec := ""
		if owner {
			spec = w.attrs.Owner
		}
		if group {
			spec += ":" + w.attrs.Group
		}
		argv := []string{"chown", "--", spec, w.path}
		if w.state == "link" {
			argv = []string{"chown", "-h", "--", spec, w.path}
		}
		if err := run(ctx, conn, "setting the owner of "+w.path, argv...); err != nil {
			return err
		}
	}
	if mode || ((owner || group) && p.fi != nil && p.fi.Mode&(fs.ModeSetuid|fs.ModeSetgid) != 0 && w.state != "link") {
		var m fs.FileMode
		if w.attrs.Mode != nil {
			m = *w.attrs.Mode
		} else {
			m = p.fi.Mode // restore setuid/setgid bits that chown cleared
		}
		return run(ctx, conn, "setting the mode of "+w.path, "chmod", "--", strconv.FormatUint(uint64(filediff.Unix(m)), 8), w.path)
	}
	return nil
}

func run(ctx context.Context, conn transport.Conn, what string, argv ...string) error {
	res, err := conn.Exec(ctx, &transport.Cmd{Argv: argv, Env: map[string]string{"LC_ALL": "C"}})
	if err != nil {
		return err
	}
	if res.RC != 0 {
		return &module.CommandError{Argv: argv, RC: res.RC, Stderr: string(res.Stderr), Msg: what}
	}
	return nil
}

func nonce() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
