package file

import (
	"context"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/transport"
	"github.com/runbook-dev/runbook/modules/internal/filediff"
	"github.com/runbook-dev/runbook/modules/internal/hostfs"
)

// The steps of a change, as lines of one script run in one command (one
// round trip): $1 is the path, $2 the owner:group for chown, $3 the mode,
// $4 a link's target and $5 the temporary name a new link is made under.
// Everything reaches the host as arguments, never as shell text.
const (
	stepRemove    = `rm -f -- "$1"`
	stepRemoveDir = `rm -rf -- "$1"`
	stepMkdir     = `mkdir -p -- "$1"`
	// A new empty file, made new (noclobber), nothing for others until
	// its mode is set.
	stepTouch = `(umask 077; set -C; : > "$1")`
	// A new link under a temporary name, renamed over the path: the path
	// is never missing while an old link or file is replaced.
	stepLink      = `ln -s -- "$4" "$5"; mv -Tf -- "$5" "$1" || { rm -f -- "$5"; exit 1; }`
	stepChown     = `chown -- "$2" "$1"`
	stepChownLink = `chown -h -- "$2" "$1"`
	stepChmod     = `chmod -- "$3" "$1"`
	// -h: a link inside gets the owner itself; its target is not touched.
	stepChownR = `chown -hR -- "$2" "$1"`
)

// apply makes the change the plan found, in one command.
func (p *plan) apply(ctx context.Context, conn transport.Conn) error {
	w := p.w
	steps := []string{"set -e"}
	what := "changing " + w.path
	own, mode, tmp := "", "", ""
	switch {
	case p.remove:
		what = "removing " + w.path
		step := stepRemove
		if p.fi.IsDir() {
			step = stepRemoveDir
		}
		steps = append(steps, step)
	case p.create && w.state == "directory":
		what = "creating directory " + w.path
		steps = append(steps, stepMkdir)
	case p.create && w.state == "touch":
		what = "creating " + w.path
		steps = append(steps, stepTouch)
		if w.attrs.Mode == nil {
			mode = strconv.FormatUint(uint64(filediff.Unix(filediff.DefaultMode)), 8)
			steps = append(steps, stepChmod)
		}
	case p.create || p.relink:
		what = "creating link " + w.path
		tmp = path.Join(path.Dir(w.path), "."+path.Base(w.path)+".runbook-"+hostfs.Nonce())
		steps = append(steps, stepLink)
	}
	if !p.remove {
		var ownStep bool
		own, mode, ownStep = p.attrArgs(mode)
		if ownStep {
			if w.state == "link" {
				steps = append(steps, stepChownLink)
			} else {
				steps = append(steps, stepChown)
			}
		}
		if mode != "" && !(len(steps) > 0 && steps[len(steps)-1] == stepChmod) {
			steps = append(steps, stepChmod)
		}
		if w.recurse && p.inside != "" {
			own = ownerGroup(w.attrs)
			steps = append(steps, stepChownR)
		}
	}
	argv := []string{"/bin/sh", "-c", strings.Join(steps, "\n"), "sh", w.path, own, mode, w.src, tmp}
	res, err := conn.Exec(ctx, &transport.Cmd{Argv: argv, Env: map[string]string{"LC_ALL": "C"}})
	if err != nil {
		return err
	}
	if res.RC != 0 {
		return &module.CommandError{Argv: []string{"file", w.path}, RC: res.RC, Stderr: string(res.Stderr), Msg: what}
	}
	return nil
}

// attrArgs says how owner and group (of the link itself for a link) and
// then the mode are set: the mode comes last because chown clears setuid
// and setgid bits, which are then restored. mode is the mode to set when
// no attribute asks for one.
func (p *plan) attrArgs(mode string) (own, modeArg string, chown bool) {
	w := p.w
	var owner, group, setMode bool
	for _, it := range p.attrs {
		switch it.Name {
		case "owner":
			owner = true
		case "group":
			group = true
		case "mode":
			setMode = true
		}
	}
	if owner || group {
		if owner {
			own = w.attrs.Owner
		}
		if group {
			own += ":" + w.attrs.Group
		}
		chown = true
	}
	if setMode || (chown && p.fi != nil && p.fi.Mode&(fs.ModeSetuid|fs.ModeSetgid) != 0 && w.state != "link") {
		var m fs.FileMode
		if w.attrs.Mode != nil {
			m = *w.attrs.Mode
		} else {
			m = p.fi.Mode // restore setuid/setgid bits that chown cleared
		}
		mode = strconv.FormatUint(uint64(filediff.Unix(m)), 8)
	}
	return own, mode, chown
}
