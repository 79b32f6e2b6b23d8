package ssh

import (
	"context"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// stdinBeforeExec opens a session channel on the pool's connection to
// host and writes one byte of stdin before any exec request. It reports
// whether the write went out within wait (the server's initial window let
// it), then sends the exec request and checks the write completes and the
// command runs. This is what sending a command's stdin "in the same
// flight" as its exec request would rely on.
func stdinBeforeExec(t *testing.T, p *Pool, host string, wait time.Duration) (sentEarly bool) {
	t.Helper()
	e := entryByName(p, host)
	if e == nil {
		t.Fatalf("no pool entry for %s", host)
	}
	l, _, err := e.get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ch, reqs, err := l.client.OpenChannel("session", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Close()
	exit := make(chan uint32, 1)
	go func() {
		for r := range reqs {
			if r.Type == "exit-status" && len(r.Payload) == 4 {
				exit <- uint32(r.Payload[0])<<24 | uint32(r.Payload[1])<<16 | uint32(r.Payload[2])<<8 | uint32(r.Payload[3])
			}
			if r.WantReply {
				_ = r.Reply(false, nil)
			}
		}
	}()
	wrote := make(chan error, 1)
	go func() {
		_, err := ch.Write([]byte("x"))
		wrote <- err
	}()
	select {
	case err := <-wrote:
		if err != nil {
			t.Fatalf("write before exec: %v", err)
		}
		sentEarly = true
	case <-time.After(wait):
	}
	ok, err := ch.SendRequest("exec", true, ssh.Marshal(struct{ Command string }{"cat >/dev/null"}))
	if err != nil || !ok {
		t.Fatalf("exec: ok=%v err=%v", ok, err)
	}
	if !sentEarly {
		select {
		case err := <-wrote:
			if err != nil {
				t.Fatalf("write after exec: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("stdin still not sent 30 s after the command was accepted")
		}
	}
	_ = ch.CloseWrite()
	select {
	case rc := <-exit:
		if rc != 0 {
			t.Fatalf("cat exited %d", rc)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no exit status")
	}
	return sentEarly
}

// TestLabStdinWaitsForTheCommand: OpenSSH's sshd opens a session channel
// with a window of 0 bytes and opens it only when the command starts (the
// window adjust travels with the exec request's reply: serverloop.c
// server_request_session, session.c session_set_fds). So a client cannot
// send a command's stdin in the same flight as its exec request (the raw
// ssh.Channel API, or OpenSSH's own client, would only queue it): a
// command with stdin costs two round trips, whatever the client does
// (docs/performance.md). If this test fails, the server lets stdin in
// early and the transport could save that round trip.
func TestLabStdinWaitsForTheCommand(t *testing.T) {
	l := needLab(t)
	name := l.pick(t, 1)
	p := l.pool(t, Options{})
	if _, err := p.Dial(context.Background(), l.endpoint(t, name)); err != nil {
		t.Fatal(err)
	}
	if stdinBeforeExec(t, p, name, time.Second) {
		t.Fatal("sshd took stdin before the exec request: the transport could send a command's stdin with its exec request")
	}
}

// TestStdinBeforeExecDetected is the probe's negative control: x/crypto's
// own server opens session channels with a full window, so the same
// write goes out before the exec request and the probe says so.
func TestStdinBeforeExecDetected(t *testing.T) {
	f := newFixture(t, 1)
	p := f.pool(t, Options{})
	if _, err := p.Dial(context.Background(), f.endpoint(0)); err != nil {
		t.Fatal(err)
	}
	if !stdinBeforeExec(t, p, "h1", 10*time.Second) {
		t.Fatal("the probe did not see a write go out before exec on a server whose window allows it")
	}
}
