// Package ssh is the SSH transport: a Pool (a transport.Dialer) that keeps
// one SSH connection per host for the whole run and runs every command as a
// new session on it.
//
// It owns connecting (authentication, host key verification, jump hosts,
// ~/.ssh/config), keepalives and re-dialing a dead connection once, turning
// a Cmd into a quoted remote command line (working directory, environment,
// sudo), killing a remote command on cancellation, and moving files over
// SFTP on the same connection.
//
// It does not know about tasks, modules or inventories: the engine fills a
// transport.Endpoint and calls Pool.Dial.
package ssh
