package ssh

import "sync/atomic"

// Stats counts what went over a host's connection, for the round-trip
// accounting of modules (docs/performance.md) and for benchmarks.
//
// RoundTrips counts the times a caller waited for an answer from the host
// before it could go on: an exec request (its reply and the command's exit
// come back together), a command's stdin when it can only be sent once the
// server has accepted the command, a sudo password sent after its prompt,
// a session opened for a command when none had been opened ahead, each
// SFTP request or group of pipelined requests waited for, and starting the
// SFTP subsystem (3). A session opened ahead (at Dial, and while the
// previous command runs) is not waited for and not counted there. The
// handshake is not counted.
type Stats struct {
	Sessions   int64 // session channels opened, ahead of time or not
	Commands   int64 // commands run (exec requests)
	SFTP       int64 // SFTP requests sent
	RoundTrips int64 // waits for the host, as above
	// Missed counts commands that did not run on the session opened ahead
	// (it died with its connection, or its shell ended first) and were
	// run on a new session.
	Missed int64
}

// Sub is s minus an earlier snapshot.
func (s Stats) Sub(o Stats) Stats {
	return Stats{Sessions: s.Sessions - o.Sessions, Commands: s.Commands - o.Commands, SFTP: s.SFTP - o.SFTP,
		RoundTrips: s.RoundTrips - o.RoundTrips, Missed: s.Missed - o.Missed}
}

type counters struct {
	sessions, commands, sftp, roundTrips, missed atomic.Int64
}

func (c *counters) snapshot() Stats {
	return Stats{Sessions: c.sessions.Load(), Commands: c.commands.Load(), SFTP: c.sftp.Load(),
		RoundTrips: c.roundTrips.Load(), Missed: c.missed.Load()}
}

// Stats reports the counts of this connection's host since the pool
// opened it (across re-dials).
func (c *Conn) Stats() Stats { return c.e.stats.snapshot() }

// StatsByHost reports Stats for every host the pool knows, by inventory
// name (jump hosts under their own).
func (p *Pool) StatsByHost() map[string]Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	m := map[string]Stats{}
	for _, e := range p.entries {
		s := e.stats.snapshot()
		o := m[e.t.name]
		m[e.t.name] = Stats{Sessions: o.Sessions + s.Sessions, Commands: o.Commands + s.Commands, SFTP: o.SFTP + s.SFTP,
			RoundTrips: o.RoundTrips + s.RoundTrips, Missed: o.Missed + s.Missed}
	}
	return m
}
