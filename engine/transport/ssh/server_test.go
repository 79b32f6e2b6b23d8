package ssh

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/runbook-dev/runbook/engine/transport"
)

// testServer is an in-process SSH server for unit tests. It runs exec
// requests with /bin/sh -c in a new session (like sshd), serves SFTP and
// direct-tcpip (so it can be a jump host), and can be frozen: it then stops
// reading and writing on every connection, like a SIGSTOPped sshd.
type testServer struct {
	t       testing.TB
	ln      net.Listener
	addr    string
	port    int
	hostKey ssh.Signer
	user    string
	authKey ssh.PublicKey
	envMu   sync.Mutex
	env     []string // extra environment of commands (PATH for a fake sudo); setEnv

	maxSessions atomic.Int64 // like OpenSSH's MaxSessions; 0: no limit
	open        atomic.Int64
	peak        atomic.Int64

	handshakes atomic.Int64
	// gauge, when set, counts the handshakes at their user authentication
	// across the servers that share it; authDelay slows each one down.
	gauge      *handshakeGauge
	authDelay  time.Duration
	execs      atomic.Int64
	subsystems atomic.Int64
	frozen     atomic.Bool
	// openDelay delays accepting each session channel (a far host);
	// rewrite, when set, replaces the command of an exec request.
	openDelay time.Duration
	rewrite   func(command string) string
	shells    atomic.Int64 // exec requests of readerScript (shells started ahead)

	mu    sync.Mutex
	conns []net.Conn
}

func newTestServer(t testing.TB, clientKey ssh.PublicKey) *testServer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	hk, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &testServer{t: t, ln: ln, addr: ln.Addr().String(), port: ln.Addr().(*net.TCPAddr).Port,
		hostKey: hk, user: "rb", authKey: clientKey}
	go s.serve()
	t.Cleanup(s.close)
	return s
}

func (s *testServer) close() {
	_ = s.ln.Close()
	s.frozen.Store(false)
	s.dropAll()
}

// dropAll closes every connection (the server "crashed").
func (s *testServer) dropAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		_ = c.Close()
	}
	s.conns = nil
}

func (s *testServer) serve() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		fc := &freezeConn{Conn: c, s: s}
		s.mu.Lock()
		s.conns = append(s.conns, fc)
		s.mu.Unlock()
		go s.handle(fc)
	}
}

type freezeConn struct {
	net.Conn
	s      *testServer
	closed atomic.Bool
}

func (c *freezeConn) wait() error {
	for c.s.frozen.Load() {
		if c.closed.Load() {
			return net.ErrClosed
		}
		time.Sleep(5 * time.Millisecond)
	}
	return nil
}

func (c *freezeConn) Read(p []byte) (int, error) {
	if err := c.wait(); err != nil {
		return 0, err
	}
	n, err := c.Conn.Read(p)
	if werr := c.wait(); werr != nil {
		return 0, werr
	}
	return n, err
}

func (c *freezeConn) Write(p []byte) (int, error) {
	if err := c.wait(); err != nil {
		return 0, err
	}
	return c.Conn.Write(p)
}

func (c *freezeConn) Close() error {
	c.closed.Store(true)
	return c.Conn.Close()
}

func (s *testServer) handle(c net.Conn) {
	cfg := &ssh.ServerConfig{
		PublicKeyCallback: func(meta ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			if g := s.gauge; g != nil {
				g.enter()
				defer g.leave()
			}
			time.Sleep(s.authDelay)
			if meta.User() == s.user && s.authKey != nil && string(key.Marshal()) == string(s.authKey.Marshal()) {
				return nil, nil
			}
			return nil, fmt.Errorf("key rejected for %s", meta.User())
		},
	}
	cfg.AddHostKey(s.hostKey)
	sc, chans, reqs, err := ssh.NewServerConn(c, cfg)
	if err != nil {
		_ = c.Close()
		return
	}
	s.handshakes.Add(1)
	go func() {
		for r := range reqs {
			if r.WantReply {
				_ = r.Reply(false, nil) // like OpenSSH for keepalive@openssh.com
			}
		}
	}()
	for nc := range chans {
		switch nc.ChannelType() {
		case "session":
			n := s.open.Add(1)
			if m := s.maxSessions.Load(); m > 0 && n > m {
				s.open.Add(-1)
				_ = nc.Reject(ssh.Prohibited, "open failed")
				continue
			}
			for p := s.peak.Load(); n > p && !s.peak.CompareAndSwap(p, n); p = s.peak.Load() {
			}
			go s.session(nc)
		case "direct-tcpip":
			go s.directTCPIP(nc)
		default:
			_ = nc.Reject(ssh.UnknownChannelType, "no")
		}
	}
	_ = sc.Close()
}

func (s *testServer) directTCPIP(nc ssh.NewChannel) {
	var p struct {
		Host    string
		Port    uint32
		OrigIP  string
		OrigPrt uint32
	}
	if err := ssh.Unmarshal(nc.ExtraData(), &p); err != nil {
		_ = nc.Reject(ssh.ConnectionFailed, err.Error())
		return
	}
	tc, err := net.Dial("tcp", net.JoinHostPort(p.Host, strconv.Itoa(int(p.Port))))
	if err != nil {
		_ = nc.Reject(ssh.ConnectionFailed, err.Error())
		return
	}
	ch, reqs, err := nc.Accept()
	if err != nil {
		_ = tc.Close()
		return
	}
	go ssh.DiscardRequests(reqs)
	go func() { _, _ = io.Copy(ch, tc); _ = ch.CloseWrite() }()
	_, _ = io.Copy(tc, ch)
	_ = tc.Close()
	_ = ch.Close()
}

func (s *testServer) session(nc ssh.NewChannel) {
	var once sync.Once
	closed := func() { once.Do(func() { s.open.Add(-1) }) } // counted as gone once we close it
	if s.openDelay > 0 {
		time.Sleep(s.openDelay)
	}
	ch, reqs, err := nc.Accept()
	if err != nil {
		closed()
		return
	}
	defer func() { closed(); _ = ch.Close() }()
	var proc atomic.Pointer[os.Process]
	for r := range reqs {
		switch r.Type {
		case "exec":
			var p struct{ Command string }
			if err := ssh.Unmarshal(r.Payload, &p); err != nil {
				_ = r.Reply(false, nil)
				continue
			}
			s.execs.Add(1)
			if p.Command == readerScript {
				s.shells.Add(1)
			}
			if s.rewrite != nil {
				p.Command = s.rewrite(p.Command)
			}
			_ = r.Reply(true, nil)
			go func() { s.run(ch, p.Command, &proc, closed) }()
		case "subsystem":
			var p struct{ Name string }
			_ = ssh.Unmarshal(r.Payload, &p)
			if p.Name != "sftp" {
				_ = r.Reply(false, nil)
				continue
			}
			s.subsystems.Add(1)
			_ = r.Reply(true, nil)
			go func() {
				srv, err := sftp.NewServer(ch)
				if err == nil {
					_ = srv.Serve()
				}
				_ = ch.Close()
			}()
		case "signal":
			var p struct{ Signal string }
			_ = ssh.Unmarshal(r.Payload, &p)
			if pr := proc.Load(); pr != nil {
				if n, ok := signalNumbers[ssh.Signal(p.Signal)]; ok {
					_ = pr.Signal(syscall.Signal(n))
				}
			}
			if r.WantReply {
				_ = r.Reply(true, nil)
			}
		default:
			if r.WantReply {
				_ = r.Reply(false, nil)
			}
		}
	}
}

func (s *testServer) run(ch ssh.Channel, command string, proc *atomic.Pointer[os.Process], closed func()) {
	defer closed()
	cmd := exec.Command("/bin/sh", "-c", command)
	s.envMu.Lock()
	cmd.Env = append(os.Environ(), s.env...)
	s.envMu.Unlock()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	cmd.Stdout = ch
	cmd.Stderr = ch.Stderr()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		_ = ch.Close()
		return
	}
	if err := cmd.Start(); err != nil {
		_, _ = fmt.Fprintln(ch.Stderr(), err)
		_, _ = ch.SendRequest("exit-status", false, ssh.Marshal(struct{ N uint32 }{127}))
		_ = ch.Close()
		return
	}
	proc.Store(cmd.Process)
	go func() { _, _ = io.Copy(stdin, ch); _ = stdin.Close() }()
	err = cmd.Wait()
	var ee *exec.ExitError
	switch {
	case err == nil:
		_, _ = ch.SendRequest("exit-status", false, ssh.Marshal(struct{ N uint32 }{0}))
	case errors.As(err, &ee):
		ws := ee.Sys().(syscall.WaitStatus)
		if ws.Signaled() {
			name := ""
			for k, v := range signalNumbers {
				if v == int(ws.Signal()) {
					name = string(k)
				}
			}
			_, _ = ch.SendRequest("exit-signal", false, ssh.Marshal(struct {
				Signal string
				Core   bool
				Msg    string
				Lang   string
			}{name, false, "", ""}))
		} else {
			_, _ = ch.SendRequest("exit-status", false, ssh.Marshal(struct{ N uint32 }{uint32(ws.ExitStatus())}))
		}
	}
	_ = ch.CloseWrite()
	closed()
	_ = ch.Close()
}

// --- client side fixtures ---------------------------------------------------

// clientKey makes an ed25519 key, writes it (encrypted when passphrase is
// not empty) to dir/name and returns its path and public key.
func clientKey(t testing.TB, dir, name, passphrase string) (string, ssh.PublicKey) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var blk *pem.Block
	if passphrase == "" {
		blk, err = ssh.MarshalPrivateKey(priv, "")
	} else {
		blk, err = ssh.MarshalPrivateKeyWithPassphrase(priv, "", []byte(passphrase))
	}
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(blk), 0o600); err != nil {
		t.Fatal(err)
	}
	sp, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return path, sp
}

// knownHostsFor writes a known_hosts file holding the servers' keys.
func knownHostsFor(t testing.TB, dir string, servers ...*testServer) string {
	t.Helper()
	path := filepath.Join(dir, "known_hosts")
	var b []byte
	for _, s := range servers {
		b = append(b, knownhosts.Line([]string{knownhosts.Normalize(s.addr)}, s.hostKey.PublicKey())+"\n"...)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// fixture is one client key, one or more servers trusting it, and a
// known_hosts file knowing them.
type fixture struct {
	dir        string
	key        string
	pub        ssh.PublicKey
	knownHosts string
	servers    []*testServer
}

func newFixture(t testing.TB, n int) *fixture {
	t.Helper()
	f := &fixture{dir: t.TempDir()}
	f.key, f.pub = clientKey(t, f.dir, "id_test", "")
	for i := 0; i < n; i++ {
		f.servers = append(f.servers, newTestServer(t, f.pub))
	}
	f.knownHosts = knownHostsFor(t, f.dir, f.servers...)
	return f
}

func (f *fixture) endpoint(i int) *transport.Endpoint {
	s := f.servers[i]
	return &transport.Endpoint{Name: fmt.Sprintf("h%d", i+1), Address: "127.0.0.1", Port: s.port, User: "rb",
		PrivateKey: f.key, KnownHosts: f.knownHosts, ConnectTimeout: 5 * time.Second}
}

// pool returns a pool isolated from the user's ~/.ssh and agent.
func (f *fixture) pool(t *testing.T, opts Options) *Pool {
	t.Helper()
	if opts.ConfigFile == "" {
		opts.ConfigFile = "none"
	}
	if opts.AgentSocket == "" {
		opts.AgentSocket = "none"
	}
	if opts.HomeDir == "" {
		opts.HomeDir = f.dir
	}
	p := NewPool(opts)
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// handshakeGauge counts server-side handshakes in flight and their peak.
type handshakeGauge struct {
	now, peak atomic.Int64
}

func (g *handshakeGauge) enter() {
	n := g.now.Add(1)
	for p := g.peak.Load(); n > p && !g.peak.CompareAndSwap(p, n); p = g.peak.Load() {
	}
}

func (g *handshakeGauge) leave() { g.now.Add(-1) }

// setEnv adds to the environment of the commands the server runs from now
// on (a shell started ahead may be reading it at the same time).
func (s *testServer) setEnv(kv ...string) {
	s.envMu.Lock()
	defer s.envMu.Unlock()
	s.env = append(s.env, kv...)
}
