package ssh

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/runbook-dev/runbook/engine/transport"
	"github.com/runbook-dev/runbook/engine/transport/transporttest"
)

// TestLabOneHandshakePerHost runs commands on every direct lab host, many
// at once, and proves from the sshd logs that each host saw exactly one
// connection ("Accepted publickey" from our one source port) carrying all
// the sessions.
func TestLabOneHandshakePerHost(t *testing.T) {
	l := needLab(t)
	hosts := l.direct()
	if len(hosts) < 10 {
		t.Fatalf("want 10+ lab hosts, have %d", len(hosts))
	}
	const perHost = 6
	p := l.pool(t, Options{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	for _, h := range hosts {
		for i := 0; i < perHost; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := func() error {
					c, err := p.Dial(context.Background(), l.endpoint(t, h.Name))
					if err != nil {
						return err
					}
					res, err := c.Exec(context.Background(), &transport.Cmd{Argv: []string{"true"}})
					if err == nil && res.RC != 0 {
						err = fmt.Errorf("%s: rc %d", h.Name, res.RC)
					}
					return err
				}()
				if err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	for _, err := range errs {
		t.Error(err)
	}
	for _, h := range hosts {
		e := entryByName(p, h.Name)
		if e == nil || e.cur == nil {
			t.Fatalf("%s: no connection", h.Name)
		}
		if n := p.Handshakes(h.Name); n != 1 {
			t.Errorf("%s: %d handshakes, want 1", h.Name, n)
		}
		port := e.cur.client.LocalAddr().(*net.TCPAddr).Port
		accepted := regexp.MustCompile(fmt.Sprintf(`Accepted publickey for rb from \S+ port %d `, port))
		sessions := regexp.MustCompile(fmt.Sprintf(`Starting session: command for rb from \S+ port %d `, port))
		// sshd writes its log a moment after the session starts.
		var nAcc, nSess int
		for try := 0; try < 50; try++ {
			b, err := os.ReadFile(h.Log)
			if err != nil {
				t.Fatal(err)
			}
			nAcc, nSess = len(accepted.FindAll(b, -1)), len(sessions.FindAll(b, -1))
			if nAcc == 1 && nSess >= perHost {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if nAcc != 1 || nSess != perHost {
			t.Errorf("%s log: %d 'Accepted publickey' and %d sessions from our port %d; want 1 and %d",
				h.Name, nAcc, nSess, port, perHost)
		}
	}
}

func entryByName(p *Pool, name string) *entry {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range p.entries {
		if e.t.name == name {
			return e
		}
	}
	return nil
}

func TestLabHostKeys(t *testing.T) {
	l := needLab(t)
	ctx := context.Background()
	name := l.direct()[0].Name

	ep := l.endpoint(t, name)
	ep.KnownHosts = l.env["LAB_SSH_KNOWN_HOSTS_WRONG"]
	_, err := l.pool(t, Options{}).Dial(ctx, ep)
	var hk *HostKeyError
	if !errors.As(err, &hk) || hk.Unknown() || !strings.Contains(err.Error(), "MISMATCH") ||
		!strings.Contains(err.Error(), hk.Fingerprint) || !strings.Contains(err.Error(), ep.KnownHosts+":") {
		t.Fatalf("wrong key: want a mismatch naming fingerprint and file:line, got %v", err)
	}
	t.Logf("mismatch: %v", err)

	empty := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	ep.KnownHosts = empty
	_, err = l.pool(t, Options{}).Dial(ctx, ep)
	if !errors.As(err, &hk) || !hk.Unknown() || !strings.Contains(err.Error(), "accept-new") {
		t.Fatalf("unknown host: got %v", err)
	}

	ep.HostKeyChecking = transport.HostKeyAcceptNew
	if _, err := l.pool(t, Options{}).Dial(ctx, ep); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(empty)
	lab, _ := os.ReadFile(l.env["LAB_SSH_KNOWN_HOSTS"])
	if len(bytes.TrimSpace(got)) == 0 || !bytes.Contains(lab, bytes.TrimSpace(got)) {
		t.Errorf("accept-new recorded %q, which is not the lab's line for %s", got, name)
	}
}

func TestLabAuth(t *testing.T) {
	l := needLab(t)
	ctx := context.Background()
	name := l.direct()[0].Name

	for _, tc := range []struct {
		what string
		edit func(*transport.Endpoint)
	}{
		{"wrong user", func(ep *transport.Endpoint) { ep.User = "nobody" }},
		{"wrong key", func(ep *transport.Endpoint) { ep.PrivateKey, _ = clientKey(t, t.TempDir(), "id_other", "") }},
	} {
		ep := l.endpoint(t, name)
		tc.edit(ep)
		start := time.Now()
		_, err := l.pool(t, Options{}).Dial(ctx, ep)
		var ae *AuthError
		if !errors.As(err, &ae) || !transport.IsUnreachable(err) {
			t.Errorf("%s: want an auth error, got %v", tc.what, err)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("%s: took %s", tc.what, d)
		}
	}

	ep := l.endpoint(t, name)
	ep.PrivateKey = l.env["LAB_SSH_KEY_PASS"]
	if !isTerminal() {
		_, err := l.pool(t, Options{}).Dial(ctx, ep)
		var ee *EncryptedKeyError
		if !errors.As(err, &ee) {
			t.Errorf("encrypted key without a terminal: got %v", err)
		}
	}
	pass := l.secret(t, "LAB_SSH_KEY_PASSPHRASE_FILE")
	p := l.pool(t, Options{Passphrase: func(string) ([]byte, error) { return []byte(pass), nil }})
	c, err := p.Dial(ctx, ep)
	if err != nil {
		t.Fatalf("encrypted key with passphrase: %v", err)
	}
	if res, err := c.Exec(ctx, &transport.Cmd{Argv: []string{"whoami"}}); err != nil || string(res.Stdout) != "rb\n" {
		t.Errorf("whoami: %v %v", res, err)
	}
}

// pick returns a direct host for a disruptive test (freeze, stop), the last
// ones first, so tests of other packages using the first hosts are spared.
func (l *sshLab) pick(t *testing.T, fromEnd int) string {
	t.Helper()
	var loop []labHost
	for _, h := range l.direct() {
		if h.Netns == "" {
			loop = append(loop, h)
		}
	}
	if len(loop) <= fromEnd {
		t.Skip("not enough loopback hosts")
	}
	return loop[len(loop)-1-fromEnd].Name
}

func TestLabHostDown(t *testing.T) {
	l := needLab(t)
	name := l.pick(t, 0)
	l.ctl(t, "stop", name)
	t.Cleanup(func() { l.ctl(t, "start", name) })
	_, err := l.pool(t, Options{}).Dial(context.Background(), l.endpoint(t, name))
	if !transport.IsUnreachable(err) || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("stopped host: want unreachable (connection refused), got %v", err)
	}
}

// TestLabFreeze: the host stops answering mid-command (sshd and its
// sessions SIGSTOPped); the command fails as unreachable within the
// keepalive window instead of hanging.
func TestLabFreeze(t *testing.T) {
	l := needLab(t)
	name := l.pick(t, 1)
	p := l.pool(t, Options{KeepaliveInterval: time.Second, KillGrace: 300 * time.Millisecond})
	ep := l.endpoint(t, name)
	ep.ConnectTimeout = 2 * time.Second
	c, err := p.Dial(context.Background(), ep)
	if err != nil {
		t.Fatal(err)
	}
	frozen := make(chan time.Time, 1)
	go func() {
		time.Sleep(500 * time.Millisecond)
		l.ctl(t, "freeze", name)
		frozen <- time.Now()
	}()
	t.Cleanup(func() { l.ctl(t, "thaw", name) })
	_, err = c.Exec(context.Background(), &transport.Cmd{Argv: []string{"sleep", "60"}})
	at := <-frozen
	if !transport.IsUnreachable(err) {
		t.Fatalf("frozen host: want unreachable, got %v", err)
	}
	if d := time.Since(at); d > 3*time.Second {
		t.Errorf("noticed %s after the freeze; keepalive window is 2s", d)
	}
	t.Logf("%v (%s after freeze)", err, time.Since(at).Round(time.Millisecond))
}

// TestLabKeepaliveIdle: real sshd answers our keepalives, so an idle
// connection with a short interval survives and is reused.
func TestLabKeepaliveIdle(t *testing.T) {
	l := needLab(t)
	name := l.direct()[1].Name
	p := l.pool(t, Options{KeepaliveInterval: 100 * time.Millisecond})
	c, err := p.Dial(context.Background(), l.endpoint(t, name))
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(800 * time.Millisecond)
	if _, err := c.Exec(context.Background(), &transport.Cmd{Argv: []string{"true"}}); err != nil {
		t.Fatal(err)
	}
	if n := p.Handshakes(name); n != 1 {
		t.Errorf("%d handshakes after idling with keepalives, want 1", n)
	}
}

func uniqueSleep() string { return fmt.Sprintf("29%d.%d", rand.IntN(10), rand.Int64N(1e12)) }

// TestLabTimeoutKills: a command that times out is gone on the remote side
// afterwards, its children included; with become (root processes) too.
func TestLabTimeoutKills(t *testing.T) {
	eachShellMode(t, func(t *testing.T, mode ShellAhead) {
		l := needLab(t)
		pw := l.secret(t, "LAB_SSH_BECOME_PASSWORD_FILE")
		p := l.pool(t, Options{ShellAhead: mode, KillGrace: time.Second})
		for _, tc := range []struct {
			what   string
			become *transport.Become
		}{{"login user", nil}, {"become root", &transport.Become{Password: pw}}} {
			t.Run(tc.what, func(t *testing.T) {
				// Loopback hosts run on this machine: their processes are ours to see.
				name := l.direct()[2].Name
				c, err := p.Dial(context.Background(), l.endpoint(t, name))
				if err != nil {
					t.Fatal(err)
				}
				marker := uniqueSleep()
				ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
				defer cancel()
				_, err = c.Exec(ctx, &transport.Cmd{Argv: []string{"/bin/sh", "-c", "sleep " + marker + "; echo never"}, Become: tc.become})
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("want a timeout, got %v", err)
				}
				waitGone(t, "sleep "+marker)
			})
		}
	})
}

func TestLabJump(t *testing.T) {
	l := needLab(t)
	inner, jump := l.env["LAB_SSH_INNER"], l.env["LAB_SSH_JUMP"]
	if inner == "" || jump == "" {
		t.Skip("lab has no jump host")
	}
	ctx := context.Background()
	p := l.pool(t, Options{})
	ep := l.endpoint(t, inner)
	if len(ep.Jump) == 0 {
		t.Fatalf("%s has no jump host in hosts.json", inner)
	}
	c, err := p.Dial(ctx, ep)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		res, err := c.Exec(ctx, &transport.Cmd{Argv: []string{"hostname"}})
		if err != nil || strings.TrimSpace(string(res.Stdout)) != inner {
			t.Fatalf("hostname through %s: %v %v", jump, res, err)
		}
	}
	// The jump host itself, dialed directly, shares the pooled hop connection.
	if _, err := p.Dial(ctx, l.endpoint(t, jump)); err != nil {
		t.Fatal(err)
	}
	if a, b := p.Handshakes(jump), p.Handshakes(inner); a != 1 || b != 1 {
		t.Errorf("handshakes: %s %d, %s %d; want 1 and 1", jump, a, inner, b)
	}
	direct := l.endpoint(t, inner)
	direct.Jump = nil
	direct.ConnectTimeout = 2 * time.Second
	_, err = l.pool(t, Options{}).Dial(ctx, direct)
	if !transport.IsUnreachable(err) {
		t.Fatalf("%s directly: want unreachable, got %v", inner, err)
	}
	t.Logf("direct: %v", err)
}

func TestLabBecome(t *testing.T) {
	eachShellMode(t, func(t *testing.T, mode ShellAhead) {
		l := needLab(t)
		pw := l.secret(t, "LAB_SSH_BECOME_PASSWORD_FILE")
		ctx := context.Background()
		name := l.direct()[0].Name
		c, err := l.pool(t, Options{ShellAhead: mode}).Dial(ctx, l.endpoint(t, name))
		if err != nil {
			t.Fatal(err)
		}
		res, err := c.Exec(ctx, &transport.Cmd{Argv: []string{"id", "-u"}, Become: &transport.Become{Method: "sudo", Password: pw}})
		if err != nil || string(res.Stdout) != "0\n" || res.RC != 0 {
			t.Fatalf("sudo id -u: %v %v", res, err)
		}
		if len(res.Stderr) != 0 {
			t.Errorf("stderr %q: the prompt leaked", res.Stderr)
		}
		res, err = c.Exec(ctx, &transport.Cmd{Argv: []string{"sh", "-c", "id -un; cat"}, Stdin: strings.NewReader("payload\n"),
			Become: &transport.Become{User: "rb", Password: pw}, Env: map[string]string{"RB_X": "1"}, Dir: "/"})
		if err != nil || string(res.Stdout) != "rb\npayload\n" {
			t.Fatalf("sudo -u rb with stdin: %v %v", res, err)
		}
		start := time.Now()
		_, err = c.Exec(ctx, &transport.Cmd{Argv: []string{"id", "-u"}, Become: &transport.Become{Password: "not-the-password"}})
		var be *BecomeError
		if !errors.As(err, &be) || !strings.Contains(err.Error(), "incorrect password") || !strings.Contains(err.Error(), name) ||
			!strings.Contains(err.Error(), `"root"`) || strings.Contains(err.Error(), "not-the-password") {
			t.Fatalf("wrong password: got %v", err)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("wrong password took %s", d)
		}
		t.Logf("wrong password: %v (%s)", err, time.Since(start).Round(time.Millisecond))
	})
}

// TestLabFiles runs on a namespace host: its / is an overlay, so writing
// into /etc as root never touches this machine.
func TestLabFiles(t *testing.T) {
	l := needLab(t)
	var name string
	for _, h := range l.direct() {
		if h.Netns != "" {
			name = h.Name
			break
		}
	}
	if name == "" {
		t.Skip("lab has no namespace host")
	}
	ctx := context.Background()
	p := l.pool(t, Options{})
	cc, err := p.Dial(ctx, l.endpoint(t, name))
	if err != nil {
		t.Fatal(err)
	}
	c := cc.(*Conn)
	run := func(b *transport.Become, argv ...string) string {
		t.Helper()
		res, err := c.Exec(ctx, &transport.Cmd{Argv: argv, Become: b})
		if err != nil || res.RC != 0 {
			t.Fatalf("%v: %v %v", argv, res, err)
		}
		return strings.TrimSpace(string(res.Stdout))
	}
	dst := fmt.Sprintf("/tmp/rb-upload-%d", rand.Int64())
	if err := c.Upload(ctx, strings.NewReader("first"), dst, 0o600); err != nil {
		t.Fatal(err)
	}
	ino1 := run(nil, "stat", "-c", "%i %a", dst)
	big := bytes.Repeat([]byte("runbook\n"), 300000)
	if err := c.Upload(ctx, bytes.NewReader(big), dst, 0o644); err != nil {
		t.Fatal(err)
	}
	ino2 := run(nil, "stat", "-c", "%i %a", dst)
	if ino1 == ino2 || !strings.HasSuffix(ino2, " 644") {
		t.Errorf("replace: before %q after %q; want a new inode (rename) with mode 644", ino1, ino2)
	}
	var back bytes.Buffer
	if err := c.Download(ctx, dst, &back); err != nil || !bytes.Equal(back.Bytes(), big) {
		t.Fatalf("download: %v (%d bytes, want %d)", err, back.Len(), len(big))
	}
	if left := run(nil, "sh", "-c", "ls -a /tmp | grep -c rb- || true"); left != "1" {
		t.Errorf("temporary files left in /tmp: %s", left)
	}
	pw := l.secret(t, "LAB_SSH_BECOME_PASSWORD_FILE")
	root := &transport.Become{Password: pw}
	etc := fmt.Sprintf("/etc/rb-test-%d.conf", rand.Int64())
	if err := c.UploadAs(ctx, strings.NewReader("secret=1\n"), etc, 0o600, root); err != nil {
		t.Fatal(err)
	}
	if got := run(root, "stat", "-c", "%U %a %s", etc); got != "root 600 9" {
		t.Errorf("upload as root: %q", got)
	}
	if err := c.Upload(ctx, strings.NewReader("x"), etc, 0o644); err == nil {
		t.Error("upload into /etc as rb succeeded")
	}
	run(root, "rm", "-f", etc)
	run(nil, "rm", "-f", dst)
}

// TestLabQuoting: an argument holding "; touch /tmp/PWNED-..." arrives as one
// argument on a real sshd, and nothing else runs.
func TestLabQuoting(t *testing.T) {
	eachShellMode(t, func(t *testing.T, mode ShellAhead) {
		l := needLab(t)
		ctx := context.Background()
		name := l.direct()[0].Name
		c, err := l.pool(t, Options{ShellAhead: mode}).Dial(ctx, l.endpoint(t, name))
		if err != nil {
			t.Fatal(err)
		}
		marker := fmt.Sprintf("/tmp/PWNED-%d", rand.Int64())
		t.Cleanup(func() { _ = os.Remove(marker) })
		args := append([]string{"; touch " + marker, "$(touch " + marker + ")", "`touch " + marker + "`", "'; touch " + marker + "; '"}, nasty...)
		res, err := c.Exec(ctx, &transport.Cmd{Argv: append([]string{"printf", `[%s]\n`}, args...),
			Env: map[string]string{"RB_Y": "; touch " + marker}, Dir: "/tmp"})
		if err != nil {
			t.Fatal(err)
		}
		var want strings.Builder
		for _, a := range args {
			want.WriteString("[" + a + "]\n")
		}
		if string(res.Stdout) != want.String() {
			t.Errorf("got %q\nwant %q", res.Stdout, want.String())
		}
		// h01.. run on this machine: the marker would be in our /tmp.
		if _, err := os.Stat(marker); err == nil {
			t.Fatalf("%s was created: an argument ran as a command", marker)
		}
	})
}

// TestLabSSHConfig: the lab's ssh_config alone (HostName, User,
// IdentityFile, UserKnownHostsFile, ProxyJump) gets to inner1 through jump.
func TestLabSSHConfig(t *testing.T) {
	l := needLab(t)
	inner := l.env["LAB_SSH_INNER"]
	if inner == "" || l.env["LAB_SSH_CONFIG"] == "" {
		t.Skip("lab has no jump host or ssh_config")
	}
	p := NewPool(Options{ConfigFile: l.env["LAB_SSH_CONFIG"], AgentSocket: "none", HomeDir: t.TempDir()})
	defer p.Close()
	c, err := p.Dial(context.Background(), &transport.Endpoint{Name: inner})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Exec(context.Background(), &transport.Cmd{Argv: []string{"hostname"}})
	if err != nil || strings.TrimSpace(string(res.Stdout)) != inner {
		t.Fatalf("hostname: %v %v", res, err)
	}
	if n := p.Handshakes(l.env["LAB_SSH_JUMP"]); n != 1 {
		t.Errorf("jump host handshakes %d, want 1", n)
	}
}

// TestLabConformance: the transport contract on a real sshd, as the login
// user and through sudo, with commands as exec requests and on shells
// started ahead (the bash login shell reading the command line).
func TestLabConformance(t *testing.T) {
	l := needLab(t)
	pw := l.secret(t, "LAB_SSH_BECOME_PASSWORD_FILE")
	name := l.direct()[1].Name
	eachShellMode(t, func(t *testing.T, mode ShellAhead) {
		for _, tc := range []struct {
			what   string
			become *transport.Become
		}{{"login user", nil}, {"become root", &transport.Become{Password: pw}}} {
			t.Run(tc.what, func(t *testing.T) {
				ctx := context.Background()
				c, err := l.pool(t, Options{ShellAhead: mode}).Dial(ctx, l.endpoint(t, name))
				if err != nil {
					t.Fatal(err)
				}
				res, err := c.Exec(ctx, &transport.Cmd{Argv: []string{"mktemp", "-d", "/tmp/rb-conformance-XXXXXX"}})
				if err != nil || res.RC != 0 {
					t.Fatalf("mktemp: %v %v", res, err)
				}
				dir := strings.TrimSpace(string(res.Stdout))
				t.Cleanup(func() {
					_, _ = c.Exec(context.Background(), &transport.Cmd{Argv: []string{"rm", "-rf", "--", dir}, Become: tc.become})
				})
				before := c.(*Conn).Stats()
				transporttest.Conformance(t, transporttest.Target{Conn: c, Dir: dir, Become: tc.become})
				if st := c.(*Conn).Stats().Sub(before); st.Missed != 0 {
					t.Errorf("%d commands did not run on the session opened ahead (%+v)", st.Missed, st)
				}
			})
		}
	})
}
