package ssh

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
	"golang.org/x/term"

	"github.com/runbook-dev/runbook/engine/transport"
)

func TestHostKeyChecking(t *testing.T) {
	f := newFixture(t, 1)
	s := f.servers[0]
	fp := ssh.FingerprintSHA256(s.hostKey.PublicKey())
	ctx := context.Background()

	t.Run("unknown", func(t *testing.T) {
		ep := f.endpoint(0)
		ep.KnownHosts = filepath.Join(t.TempDir(), "known_hosts") // does not exist
		_, err := f.pool(t, Options{}).Dial(ctx, ep)
		var hk *HostKeyError
		if !errors.As(err, &hk) || !hk.Unknown() || !transport.IsUnreachable(err) {
			t.Fatalf("want an unreachable unknown-host-key error, got %v", err)
		}
		for _, want := range []string{"h1", fp, "accept-new"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not mention %q", err, want)
			}
		}
		if s.execs.Load() != 0 {
			t.Error("a command ran on an unverified host")
		}
	})

	t.Run("mismatch", func(t *testing.T) {
		other := newTestServer(t, f.pub) // another key, recorded for s's address
		kh := filepath.Join(t.TempDir(), "known_hosts")
		line := fmt.Sprintf("# first line\n[127.0.0.1]:%d %s", s.port,
			strings.TrimSpace(string(ssh.MarshalAuthorizedKey(other.hostKey.PublicKey()))))
		if err := os.WriteFile(kh, []byte(line+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		ep := f.endpoint(0)
		ep.KnownHosts = kh
		ep.HostKeyChecking = transport.HostKeyAcceptNew // a mismatch fails even then
		_, err := f.pool(t, Options{}).Dial(ctx, ep)
		var hk *HostKeyError
		if !errors.As(err, &hk) || hk.Unknown() {
			t.Fatalf("want a host key mismatch, got %v", err)
		}
		for _, want := range []string{"MISMATCH", "h1", fp, kh + ":2"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not mention %q", err, want)
			}
		}
	})

	t.Run("accept-new", func(t *testing.T) {
		kh := filepath.Join(t.TempDir(), "sub", "known_hosts")
		ep := f.endpoint(0)
		ep.KnownHosts = kh
		ep.HostKeyChecking = transport.HostKeyAcceptNew
		if _, err := f.pool(t, Options{}).Dial(ctx, ep); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(kh)
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("[127.0.0.1]:%d %s", s.port, strings.TrimSpace(string(ssh.MarshalAuthorizedKey(s.hostKey.PublicKey()))))
		if strings.TrimSpace(string(b)) != want {
			t.Errorf("known_hosts holds %q, want %q", b, want)
		}
		// Now strict checking accepts it, and a second accept-new adds nothing.
		ep.HostKeyChecking = transport.HostKeyStrict
		if _, err := f.pool(t, Options{}).Dial(ctx, ep); err != nil {
			t.Fatalf("strict after accept-new: %v", err)
		}
		ep.HostKeyChecking = transport.HostKeyAcceptNew
		if _, err := f.pool(t, Options{}).Dial(ctx, ep); err != nil {
			t.Fatal(err)
		}
		if b2, _ := os.ReadFile(kh); !bytes.Equal(b, b2) {
			t.Errorf("known_hosts changed on the second accept-new: %q", b2)
		}
	})

	t.Run("off", func(t *testing.T) {
		ep := f.endpoint(0)
		ep.KnownHosts = "/nonexistent/known_hosts"
		ep.HostKeyChecking = transport.HostKeyOff
		if _, err := f.pool(t, Options{}).Dial(ctx, ep); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("bad setting", func(t *testing.T) {
		ep := f.endpoint(0)
		ep.HostKeyChecking = "maybe"
		_, err := f.pool(t, Options{}).Dial(ctx, ep)
		if err == nil || !strings.Contains(err.Error(), `"maybe"`) {
			t.Errorf("got %v", err)
		}
	})
}

func TestKnownAlgorithms(t *testing.T) {
	f := newFixture(t, 1)
	check, err := loadKnownHosts([]string{f.knownHosts})
	if err != nil {
		t.Fatal(err)
	}
	if got := knownAlgorithms(check, f.servers[0].addr); len(got) < 2 || got[0] != "ssh-ed25519" {
		t.Errorf("algorithms %q, want ssh-ed25519 first", got)
	}
	if got := knownAlgorithms(check, "127.0.0.1:1"); got != nil {
		t.Errorf("unknown host: algorithms %q, want none", got)
	}
}

func TestAuth(t *testing.T) {
	f := newFixture(t, 1)
	ctx := context.Background()

	t.Run("wrong key", func(t *testing.T) {
		other, _ := clientKey(t, t.TempDir(), "other", "")
		ep := f.endpoint(0)
		ep.PrivateKey = other
		start := time.Now()
		_, err := f.pool(t, Options{}).Dial(ctx, ep)
		var ae *AuthError
		if !errors.As(err, &ae) || !transport.IsUnreachable(err) || !strings.Contains(err.Error(), other) {
			t.Fatalf("want an auth error naming the key, got %v", err)
		}
		if time.Since(start) > 2*time.Second {
			t.Errorf("auth failure took %s", time.Since(start))
		}
	})

	t.Run("wrong user", func(t *testing.T) {
		ep := f.endpoint(0)
		ep.User = "mallory"
		_, err := f.pool(t, Options{}).Dial(ctx, ep)
		var ae *AuthError
		if !errors.As(err, &ae) || !strings.Contains(err.Error(), `"mallory"`) {
			t.Fatalf("want an auth error naming the user, got %v", err)
		}
	})

	t.Run("missing key file", func(t *testing.T) {
		ep := f.endpoint(0)
		ep.PrivateKey = "/nonexistent/id_rb"
		_, err := f.pool(t, Options{}).Dial(ctx, ep)
		if err == nil || !strings.Contains(err.Error(), "/nonexistent/id_rb") {
			t.Fatalf("got %v", err)
		}
	})

	dir := t.TempDir()
	enc, encPub := clientKey(t, dir, "id_enc", "s3cret")
	srv := newTestServer(t, encPub)
	g := &fixture{dir: dir, key: enc, servers: []*testServer{srv}}
	g.knownHosts = knownHostsFor(t, dir, srv)

	t.Run("encrypted without a terminal", func(t *testing.T) {
		if isTerminal() {
			t.Skip("stdin is a terminal")
		}
		_, err := g.pool(t, Options{}).Dial(ctx, g.endpoint(0))
		var ee *EncryptedKeyError
		if !errors.As(err, &ee) || !strings.Contains(err.Error(), "encrypted") || !strings.Contains(err.Error(), enc) {
			t.Fatalf("want an encrypted-key error naming the key, got %v", err)
		}
	})

	t.Run("encrypted with passphrase hook", func(t *testing.T) {
		var asked []string
		var mu sync.Mutex
		p := g.pool(t, Options{Passphrase: func(path string) ([]byte, error) {
			mu.Lock()
			defer mu.Unlock()
			asked = append(asked, path)
			return []byte("s3cret"), nil
		}})
		c := dial(t, p, g.endpoint(0))
		if _, err := c.Exec(ctx, &transport.Cmd{Argv: []string{"true"}}); err != nil {
			t.Fatal(err)
		}
		ep2 := g.endpoint(0)
		ep2.Name = "same-host-other-name"
		ep2.Address = "localhost"
		ep2.HostKeyChecking = transport.HostKeyOff
		dial(t, p, ep2)
		if len(asked) != 1 || asked[0] != enc {
			t.Errorf("passphrase asked for %q, want once for %s", asked, enc)
		}
	})

	t.Run("wrong passphrase", func(t *testing.T) {
		p := g.pool(t, Options{Passphrase: func(string) ([]byte, error) { return []byte("nope"), nil }})
		_, err := p.Dial(ctx, g.endpoint(0))
		if err == nil || !strings.Contains(err.Error(), "wrong passphrase") {
			t.Fatalf("got %v", err)
		}
	})

	t.Run("default identity", func(t *testing.T) {
		home := t.TempDir()
		if err := os.MkdirAll(filepath.Join(home, ".ssh"), 0o700); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(f.key)
		if err := os.WriteFile(filepath.Join(home, ".ssh", "id_ecdsa"), b, 0o600); err != nil {
			t.Fatal(err) // the file name is what matters, not the key type
		}
		ep := f.endpoint(0)
		ep.PrivateKey = ""
		if _, err := f.pool(t, Options{HomeDir: home}).Dial(ctx, ep); err != nil {
			t.Fatal(err)
		}
	})
}

func isTerminal() bool { return term.IsTerminal(int(os.Stdin.Fd())) }

func TestSSHConfig(t *testing.T) {
	f := newFixture(t, 1)
	s := f.servers[0]
	cfg := filepath.Join(f.dir, "config")
	body := fmt.Sprintf(`Host web1
    HostName 127.0.0.1
    Port %d
    User rb
    IdentityFile %s
    UserKnownHostsFile %s

Host behind
    HostName 127.0.0.1
    Port %d
    ProxyJump admin@bastion:2222,other

Match exec "test -e /etc/hostname"
    User exec-user

Match host web1
    Compression yes

Host *
    User nobody
`, s.port, f.key, f.knownHosts, s.port)
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	p := f.pool(t, Options{ConfigFile: cfg})
	// Everything from ssh_config: the inventory only names the host.
	c := dial(t, p, &transport.Endpoint{Name: "web1"})
	res, err := c.Exec(context.Background(), &transport.Cmd{Argv: []string{"echo", "ok"}})
	if err != nil || string(res.Stdout) != "ok\n" {
		t.Fatalf("exec via ssh_config: %v %v", res, err)
	}

	// Inventory values win over ssh_config.
	tg, err := p.resolve(&transport.Endpoint{Name: "web1", User: "inv", Port: 2200, PrivateKey: "~/k", KnownHosts: "/kh"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tg.user != "inv" || tg.port != 2200 || tg.keys[0] != f.dir+"/k" || tg.knownHosts[0] != "/kh" || tg.host != "127.0.0.1" {
		t.Errorf("resolved %+v", tg)
	}
	// ProxyJump from ssh_config.
	tg, err = p.resolve(&transport.Endpoint{Name: "behind"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(tg.jump) != 2 || tg.jump[0].user != "admin" || tg.jump[0].host != "bastion" || tg.jump[0].port != 2222 ||
		tg.jump[1].host != "other" || tg.jump[1].port != 22 {
		t.Errorf("jump chain %+v %+v", tg.jump[0], tg.jump[1])
	}
	if tg.user != "nobody" {
		t.Errorf("Host * User: got %q", tg.user)
	}
}

// TestKeepaliveLost: a server that stops answering mid-command makes the
// command fail as unreachable within about two keepalive intervals.
func TestKeepaliveLost(t *testing.T) {
	f := newFixture(t, 1)
	p := f.pool(t, Options{KeepaliveInterval: 200 * time.Millisecond, KillGrace: 200 * time.Millisecond})
	ep := f.endpoint(0)
	ep.ConnectTimeout = 300 * time.Millisecond
	c := dial(t, p, ep)
	go func() {
		time.Sleep(300 * time.Millisecond)
		f.servers[0].frozen.Store(true)
	}()
	start := time.Now()
	_, err := c.Exec(context.Background(), &transport.Cmd{Argv: []string{"sleep", "30"}})
	if !transport.IsUnreachable(err) || !strings.Contains(err.Error(), "keepalive") {
		t.Fatalf("want unreachable (keepalive), got %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %s to notice", d)
	}
	// Still frozen: the one re-dial times out, the host stays unreachable.
	_, err = c.Exec(context.Background(), &transport.Cmd{Argv: []string{"true"}})
	if !transport.IsUnreachable(err) {
		t.Fatalf("frozen host: want unreachable, got %v", err)
	}
}

// TestRedialOnce: a connection that died between commands is re-dialed
// once, transparently.
func TestRedialOnce(t *testing.T) {
	f := newFixture(t, 1)
	p := f.pool(t, Options{})
	c := dial(t, p, f.endpoint(0))
	run := func() error {
		_, err := c.Exec(context.Background(), &transport.Cmd{Argv: []string{"true"}})
		return err
	}
	if err := run(); err != nil {
		t.Fatal(err)
	}
	f.servers[0].dropAll()
	time.Sleep(50 * time.Millisecond)
	if err := run(); err != nil {
		t.Fatalf("after the server dropped the connection: %v", err)
	}
	if got := p.Handshakes("h1"); got != 2 {
		t.Errorf("handshakes %d, want 2", got)
	}
	if err := run(); err != nil {
		t.Fatal(err)
	}
	// The connection breaks while a command runs: unreachable, at once.
	go func() {
		time.Sleep(200 * time.Millisecond)
		f.servers[0].dropAll()
	}()
	start := time.Now()
	_, err := c.Exec(context.Background(), &transport.Cmd{Argv: []string{"sleep", "5"}})
	if !transport.IsUnreachable(err) || !strings.Contains(err.Error(), "connection lost while running sleep") {
		t.Fatalf("connection dropped mid-command: want unreachable, got %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("noticed after %s", d)
	}
	// Server gone for good: unreachable, not a hang.
	f.servers[0].close()
	if err := run(); !transport.IsUnreachable(err) {
		t.Fatalf("server gone: want unreachable, got %v", err)
	}
}

func TestHostDown(t *testing.T) {
	f := newFixture(t, 1)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	ep := f.endpoint(0)
	ep.Port = port
	_, err = f.pool(t, Options{}).Dial(context.Background(), ep)
	if !transport.IsUnreachable(err) || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("want unreachable (connection refused), got %v", err)
	}
}

// TestJump: a host reached through a chain of two jump hosts; the hops'
// connections are pooled too.
func TestJump(t *testing.T) {
	f := newFixture(t, 4) // bastion1, bastion2, target1, target2
	p := f.pool(t, Options{})
	hop := func(i int) *transport.Endpoint {
		ep := f.endpoint(i)
		ep.Name = fmt.Sprintf("bastion%d", i+1)
		return ep
	}
	for _, i := range []int{2, 3} {
		ep := f.endpoint(i)
		ep.Jump = []*transport.Endpoint{hop(0), hop(1)}
		c := dial(t, p, ep)
		res, err := c.Exec(context.Background(), &transport.Cmd{Argv: []string{"echo", ep.Name}})
		if err != nil || string(res.Stdout) != ep.Name+"\n" {
			t.Fatalf("through jump hosts: %v %v", res, err)
		}
	}
	for name, want := range map[string]int{"bastion1": 1, "bastion2": 1, "h3": 1, "h4": 1} {
		if got := p.Handshakes(name); got != want {
			t.Errorf("%s: %d handshakes, want %d", name, got, want)
		}
	}
	if got := f.servers[0].handshakes.Load(); got != 1 {
		t.Errorf("bastion1 server saw %d handshakes", got)
	}
	// The outer bastion drops everything: the hosts behind it are
	// unreachable mid-command, and the next command re-dials the chain.
	ep := f.endpoint(3)
	ep.Jump = []*transport.Endpoint{hop(0), hop(1)}
	c := dial(t, p, ep)
	go func() {
		time.Sleep(200 * time.Millisecond)
		f.servers[0].dropAll()
	}()
	if _, err := c.Exec(context.Background(), &transport.Cmd{Argv: []string{"sleep", "5"}}); !transport.IsUnreachable(err) {
		t.Fatalf("bastion gone mid-command: want unreachable, got %v", err)
	}
	if res, err := c.Exec(context.Background(), &transport.Cmd{Argv: []string{"echo", "back"}}); err != nil || string(res.Stdout) != "back\n" {
		t.Fatalf("after the bastion came back: %v %v", res, err)
	}
	if got := p.Handshakes("bastion1"); got != 2 {
		t.Errorf("bastion1: %d handshakes, want 2", got)
	}
	// A hop with a host key nobody knows fails the host, naming the hop.
	bad := f.endpoint(2)
	b := hop(0)
	b.Name = "bastion-unknown"
	b.Address = "localhost" // not in known_hosts under this name
	bad.Jump = []*transport.Endpoint{b}
	_, err := p.Dial(context.Background(), bad)
	if !transport.IsUnreachable(err) || !strings.Contains(err.Error(), "bastion-unknown") {
		t.Errorf("unknown hop key: got %v", err)
	}
}

func TestUploadDownload(t *testing.T) {
	f := newFixture(t, 1)
	c := dial(t, f.pool(t, Options{}), f.endpoint(0))
	ctx := context.Background()
	dir := t.TempDir()
	dst := filepath.Join(dir, "app.conf")
	if err := os.WriteFile(dst, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	old, _ := os.Stat(dst)
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	if err := c.Upload(ctx, bytes.NewReader(big), dst, 0o640); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(dst)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0640", st.Mode())
	}
	if os.SameFile(old, st) {
		t.Error("dst was written in place, not replaced by a rename")
	}
	if got, _ := os.ReadFile(dst); !bytes.Equal(got, big) {
		t.Error("uploaded content differs")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("temporary files left: %v", ents)
	}
	var back bytes.Buffer
	if err := c.Download(ctx, dst, &back); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(back.Bytes(), big) {
		t.Error("downloaded content differs")
	}
	if err := c.Download(ctx, filepath.Join(dir, "missing"), &back); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("download of a missing file: %v", err)
	}
	if err := c.Upload(ctx, strings.NewReader("x"), filepath.Join(dir, "no", "such", "dir"), 0o600); err == nil {
		t.Error("upload into a missing directory succeeded")
	}
	// A private file goes through a closed directory; nothing is left.
	secret := filepath.Join(dir, "secret")
	if err := c.Upload(ctx, strings.NewReader("s3cret"), secret, 0o600); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(secret); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("secret: %v %v", st, err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 2 {
		t.Errorf("temporary files left: %v", ents)
	}
	if got := f.servers[0].subsystems.Load(); got != 1 {
		t.Errorf("%d sftp subsystems started, want 1 per connection", got)
	}
}

// TestAgent: with no key given, the keys of the ssh-agent at the socket are
// used.
func TestAgent(t *testing.T) {
	f := newFixture(t, 1)
	b, _ := os.ReadFile(f.key)
	raw, err := ssh.ParseRawPrivateKey(b)
	if err != nil {
		t.Fatal(err)
	}
	kr := agent.NewKeyring()
	if err := kr.Add(agent.AddedKey{PrivateKey: raw}); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(t.TempDir(), "agent.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { _ = agent.ServeAgent(kr, c); _ = c.Close() }()
		}
	}()
	ep := f.endpoint(0)
	ep.PrivateKey = ""
	c := dial(t, f.pool(t, Options{AgentSocket: sock}), ep)
	if _, err := c.Exec(context.Background(), &transport.Cmd{Argv: []string{"true"}}); err != nil {
		t.Fatal(err)
	}
	// Without the agent (and no default identity), authentication fails.
	_, err = f.pool(t, Options{}).Dial(context.Background(), ep)
	var ae *AuthError
	if !errors.As(err, &ae) || !strings.Contains(err.Error(), "nothing") {
		t.Errorf("no key at all: got %v", err)
	}
}

// TestAcceptNewConcurrent: many pools recording the same hosts at once
// write each host exactly once (the lock and the re-check under it).
func TestAcceptNewConcurrent(t *testing.T) {
	f := newFixture(t, 3)
	kh := filepath.Join(t.TempDir(), "known_hosts")
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		p := f.pool(t, Options{})
		for j := range f.servers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ep := f.endpoint(j)
				ep.KnownHosts = kh
				ep.HostKeyChecking = transport.HostKeyAcceptNew
				if _, err := p.Dial(context.Background(), ep); err != nil {
					t.Error(err)
				}
			}()
		}
	}
	wg.Wait()
	b, err := os.ReadFile(kh)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 3 {
		t.Fatalf("known_hosts has %d lines, want 3:\n%s", len(lines), b)
	}
}

// TestDialCancelled: a caller that gives up is not told the host is
// unreachable.
func TestDialCancelled(t *testing.T) {
	f := newFixture(t, 1)
	f.servers[0].frozen.Store(true) // accepts TCP, never answers
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := f.pool(t, Options{}).Dial(ctx, f.endpoint(0))
	if !errors.Is(err, context.DeadlineExceeded) || transport.IsUnreachable(err) {
		t.Fatalf("want the context's error, not unreachable; got %v", err)
	}
	// The connect timeout, on the other hand, is the host's fault.
	ep := f.endpoint(0)
	ep.ConnectTimeout = 200 * time.Millisecond
	_, err = f.pool(t, Options{}).Dial(context.Background(), ep)
	if !transport.IsUnreachable(err) || !strings.Contains(err.Error(), "timed out") {
		t.Fatalf("connect timeout: want unreachable, got %v", err)
	}
}
