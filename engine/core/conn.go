package core

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strconv"
	"sync"
	"time"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/runbook-dev/runbook/engine/inventory"
	"github.com/runbook-dev/runbook/engine/transport"
	"github.com/runbook-dev/runbook/engine/transport/container"
)

type connEntry struct {
	once sync.Mutex
	conn transport.Conn
	err  error
	done bool
}

// conn returns the run's one connection to h, dialing it on first use.
// A failed dial is remembered: the host is unreachable for this run.
func (rs *runState) conn(ctx context.Context, h *inventory.Host) (transport.Conn, error) {
	rs.connMu.Lock()
	e := rs.conns[h.Name]
	if e == nil {
		e = &connEntry{}
		rs.conns[h.Name] = e
	}
	rs.connMu.Unlock()

	e.once.Lock()
	defer e.once.Unlock()
	if e.done {
		return e.conn, e.err
	}
	kind := h.Endpoint.Transport
	if kind == "" {
		kind = "ssh"
	}
	d := rs.opts.Dialers[kind]
	if d == nil {
		return nil, fmt.Errorf("host %s: no %q transport is available", h.Name, kind)
	}
	ep := h.Endpoint
	if ep.Name == "" {
		ep.Name = h.Name
	}
	started := time.Now()
	c, err := d.Dial(ctx, &ep)
	rs.traceDial(h, &ep, time.Since(started), err)
	if err != nil && ctx.Err() != nil {
		return nil, err // not the host's fault: do not remember
	}
	if err != nil && !transport.IsUnreachable(err) {
		err = &transport.UnreachableError{Host: h.Name, Err: err}
	}
	e.conn, e.err, e.done = c, err, true
	return c, err
}

func (rs *runState) closeConns() {
	rs.connMu.Lock()
	defer rs.connMu.Unlock()
	for _, e := range rs.conns {
		if e.conn != nil {
			_ = e.conn.Close()
		}
	}
}

// becomeConn runs every command of a task with privilege escalation.
// Uploads go to a temporary file as the login user and are then moved
// into place as the become user, keeping the replace atomic.
type becomeConn struct {
	transport.Conn
	become *transport.Become
}

func (b *becomeConn) Exec(ctx context.Context, cmd *transport.Cmd) (*transport.Result, error) {
	c := *cmd
	c.Become = b.become
	return b.Conn.Exec(ctx, &c)
}

// uploaderAs is a Conn that can write a file as another user itself (the
// ssh transport streams it to the become user, so no staging file of the
// login user is ever readable by others).
type uploaderAs interface {
	UploadAs(ctx context.Context, src io.Reader, dst string, mode fs.FileMode, become *transport.Become) error
}

func (b *becomeConn) Upload(ctx context.Context, src io.Reader, dst string, mode fs.FileMode) error {
	if u, ok := b.Conn.(uploaderAs); ok {
		return u.UploadAs(ctx, src, dst, mode, b.become)
	}
	res, err := b.Conn.Exec(ctx, &transport.Cmd{Argv: []string{"mktemp", "/tmp/.runbook-upload.XXXXXXXX"}})
	if err != nil {
		return err
	}
	if res.RC != 0 {
		return fmt.Errorf("mktemp on the host failed: %s", res.Stderr)
	}
	tmp := string(trimNL(res.Stdout))
	if err := b.Conn.Upload(ctx, src, tmp, 0o600); err != nil {
		return err
	}
	staged := path.Join(path.Dir(dst), "."+path.Base(dst)+".runbook-tmp")
	script := `set -e; cp "$1" "$2"; chmod "$3" "$2"; mv -f "$2" "$4"; rm -f "$1"`
	r, err := b.Exec(ctx, &transport.Cmd{Argv: []string{"/bin/sh", "-c", script, "sh", tmp, staged, strconv.FormatUint(uint64(mode.Perm()), 8), dst}})
	if err != nil {
		return err
	}
	if r.RC != 0 {
		_, _ = b.Conn.Exec(ctx, &transport.Cmd{Argv: []string{"rm", "-f", tmp}})
		return fmt.Errorf("moving the upload into %s as %s failed: %s", dst, userOr(b.become.User), trimNL(r.Stderr))
	}
	return nil
}

func (b *becomeConn) Download(ctx context.Context, src string, dst io.Writer) error {
	r, err := b.Exec(ctx, &transport.Cmd{Argv: []string{"cat", src}})
	if err != nil {
		return err
	}
	if r.RC != 0 {
		return fmt.Errorf("reading %s as %s failed: %s", src, userOr(b.become.User), trimNL(r.Stderr))
	}
	_, err = dst.Write(r.Stdout)
	return err
}

func userOr(u string) string {
	if u == "" {
		return "root"
	}
	return u
}

func trimNL(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// containerSpec reads a task's container argument: a container name, or an
// object { name, runtime = "docker", user = "" }. Null or an empty name
// means no container (so `container = try(host.vars.trove_container, null)`
// works on hosts with and without one).
func containerSpec(v cty.Value) (*container.Spec, error) {
	v, _ = v.UnmarkDeep()
	if v.IsNull() {
		return nil, nil
	}
	if !v.IsWhollyKnown() {
		return nil, errors.New("the value must be known")
	}
	var s container.Spec
	ty := v.Type()
	switch {
	case ty == cty.String:
		s.Name = v.AsString()
	case ty.IsObjectType() || ty.IsMapType():
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			if e.IsNull() {
				continue
			}
			e, err := convert.Convert(e, cty.String)
			if err != nil {
				return nil, fmt.Errorf("%s must be a string", k.AsString())
			}
			switch k.AsString() {
			case "name":
				s.Name = e.AsString()
			case "runtime":
				s.Runtime = e.AsString()
			case "user":
				s.User = e.AsString()
			default:
				return nil, fmt.Errorf("unknown attribute %q: container takes name, runtime and user", k.AsString())
			}
		}
	default:
		return nil, fmt.Errorf("container must be a container name or an object { name, runtime, user }, not %s", ty.FriendlyName())
	}
	if s.Name == "" {
		return nil, nil
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return &s, nil
}
