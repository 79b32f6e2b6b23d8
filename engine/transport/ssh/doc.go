// Package ssh is the SSH transport: a Pool (a transport.Dialer) that keeps
// one SSH connection per host for the whole run and runs every command as a
// new session on it.
//
// It owns connecting (authentication, host key verification, jump hosts,
// ~/.ssh/config), keepalives and re-dialing a dead connection once, turning
// a Cmd into a quoted remote command line (working directory, environment,
// sudo), killing a remote command on cancellation, and moving files over
// SFTP on the same connection. It does not know about tasks, modules or
// inventories: the engine fills a transport.Endpoint and calls Pool.Dial.
//
// # Connections
//
// A connection is keyed by the inventory name, user@address:port, the
// known_hosts files, the checking mode and the identities, and the same for
// each jump host in front of it: two inventory hosts on one address with
// different policies never share a connection verified under the other's
// rules, while a bastion (one name) in front of many hosts is one
// connection. It is opened on first Dial (concurrent Dials wait for the one
// handshake) and lives until Pool.Close; Conn.Close does nothing. A
// keepalive@openssh.com request goes out KeepaliveInterval after the
// connection opened and after each reply (timers, no goroutine per
// connection); no reply within another interval kills the connection, and
// every command on it fails as *transport.UnreachableError. The next
// command re-dials once.
//
// Every failure to reach a host is a *transport.UnreachableError; it wraps a
// *HostKeyError (unknown or mismatched key), an *AuthError (every key
// refused) or the network error, so callers can tell them apart with
// errors.As.
//
// # Commands
//
// A session for the next command is opened ahead of time (at Dial, and
// whenever a command takes the one opened before), so a command waits for
// one round trip (its exec request, whose reply and exit come back
// together) instead of two; a command with stdin waits for the reply
// before the data goes (sshd opens the channel's window only then), one
// more. On a far host that has been sent stdin (Options.ShellAhead), the
// session opened ahead also starts the login shell with a small reader
// (readerScript): the command line then goes on that shell's stdin with
// up to 64 KiB of the command's own stdin right behind it, one round trip
// for both; the shell evaluates the line, which replaces it as below. A
// shell that ended before running the line (its wrapper's PID line never
// came) did not run the command: it runs again on a new session, with its
// stdin (Stats.Missed). Stats counts sessions, commands, SFTP requests and
// the round trips callers waited for (docs/performance.md).
//
// Each Argv element is quoted for the remote shell (see Quote); Dir becomes
// `cd 'dir' &&` and Env `env 'K=V'`, so nothing depends on the server's
// AcceptEnv. The command replaces the login shell (exec), which sshd made a
// process group leader, after reporting its PID on stderr; on cancellation
// the group is sent SIGTERM and then SIGKILL both by signal request and by
// kill(1) over a second session (OpenSSH before 9.x ignores signal requests
// for sessions without a terminal; and sudo'ed root processes can only be
// killed through sudo).
//
// The login shell of the remote user must be a POSIX shell (sh, dash, bash,
// zsh, ksh): it runs the wrapper line above, like it runs Ansible's.
//
// Become runs `sudo -S -p '<nonce marker>' [-u user] -- /bin/sh -c '...'`.
// Unlike an empty prompt, the marker lets the password be written only when
// sudo really asks for it: under a NOPASSWD rule it would otherwise become
// the first line of the command's stdin. A second prompt means the password
// was wrong: a *BecomeError naming host and user, never the password.
//
// # Files
//
// Upload and Download use one SFTP client per connection, started on first
// use. Upload writes a temporary file next to dst, chmods it and renames it
// over dst (posix-rename@openssh.com), pipelining what does not wait for an
// answer (the WRITE requests with the chmod, the close with the rename). UploadAs (with Become) streams the
// data on stdin to the become user, who does the same with mktemp, chmod
// and mv: a temporary file of the login user would not be readable by a
// become user other than root, and one made readable would expose the data.
package ssh
