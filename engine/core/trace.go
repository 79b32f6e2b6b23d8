package core

import (
	"context"
	"strings"
	"time"

	"github.com/runbook-dev/runbook/engine/event"
	"github.com/runbook-dev/runbook/engine/inventory"
	"github.com/runbook-dev/runbook/engine/transport"
)

// traceDial reports a connection opened for a host when the run traces
// (-vvv): where to, through which jump hosts, how long it took.
func (rs *runState) traceDial(h *inventory.Host, ep *transport.Endpoint, took time.Duration, err error) {
	if !rs.opts.Trace {
		return
	}
	ev := event.HostConnected{Host: h.Name, Transport: ep.Transport, Address: ep.Address, Port: ep.Port, User: ep.User, Duration: took}
	if ev.Transport == "" {
		ev.Transport = "ssh"
	}
	for _, j := range ep.Jump {
		ev.Via = append(ev.Via, j.Address)
	}
	if err != nil {
		ev.Error = err.Error()
	}
	rs.sink.Emit(ev)
}

// traceConn reports every command a task instance runs on its host.
type traceConn struct {
	transport.Conn
	rs              *runState
	task, key, host string
	become          *transport.Become
}

// traced wraps c so that its commands are reported, when the run traces.
// It goes outside the become wrapper (which must see the transport's own
// Conn), so it is told the become settings.
func (rs *runState) traced(c transport.Conn, n *node, key string, become *transport.Become) transport.Conn {
	if !rs.opts.Trace {
		return c
	}
	return &traceConn{Conn: c, rs: rs, task: n.task.Addr(), key: key, host: n.host.Name, become: become}
}

func (t *traceConn) Exec(ctx context.Context, cmd *transport.Cmd) (*transport.Result, error) {
	start := time.Now()
	res, err := t.Conn.Exec(ctx, cmd)
	ev := event.HostCommand{Task: t.task, Key: t.key, Host: t.host, Command: shellQuote(cmd.Argv), Duration: time.Since(start), RC: -1}
	if b := cmd.Become; b != nil || t.become != nil {
		if b == nil {
			b = t.become
		}
		ev.Become = userOr(b.User)
	}
	if res != nil {
		ev.RC = res.RC
	}
	if err != nil {
		ev.Error = err.Error()
	}
	t.rs.sink.Emit(ev)
	return res, err
}

// shellQuote writes argv as a POSIX shell would read it back.
func shellQuote(argv []string) string {
	parts := make([]string, len(argv))
	for i, a := range argv {
		if a != "" && strings.Trim(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%_-+=:,./") == "" {
			parts[i] = a
			continue
		}
		parts[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(parts, " ")
}
