package ssh

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/runbook-dev/runbook/engine/transport"
)

// TestPassphrasePrompt runs a child test process under script(1), so its
// stdin is a terminal: the pool must prompt there for the passphrase of an
// encrypted key and use what is typed.
func TestPassphrasePrompt(t *testing.T) {
	if os.Getenv("RB_PROMPT_CHILD") != "" {
		t.Skip("child")
	}
	script, err := exec.LookPath("script")
	if err != nil {
		t.Skip("no script(1) to make a terminal")
	}
	dir := t.TempDir()
	key, pub := clientKey(t, dir, "id_enc", "typed-secret")
	srv := newTestServer(t, pub)
	kh := knownHostsFor(t, dir, srv)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, script, "-qec", self+" -test.run=^TestPassphrasePromptChild$ -test.v", "/dev/null")
	cmd.Env = append(os.Environ(), "RB_PROMPT_CHILD=1", "RB_PROMPT_KEY="+key, "RB_PROMPT_KH="+kh,
		"RB_PROMPT_PORT="+strconv.Itoa(srv.port), "RB_PROMPT_HOME="+dir)
	// Type the passphrase only once the prompt is there.
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out := &watchWriter{want: "Enter passphrase", seen: make(chan struct{})}
	cmd.Stdout = out
	cmd.Stderr = out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		select {
		case <-out.seen:
			_, _ = fmt.Fprint(stdin, "typed-secret\r")
		case <-ctx.Done():
		}
	}()
	err = cmd.Wait()
	if err != nil || !strings.Contains(out.String(), "Enter passphrase for key '"+key+"'") || !strings.Contains(out.String(), "CHILD-OK") {
		t.Fatalf("child: %v\n%s", err, out.String())
	}
	if strings.Contains(out.String(), "typed-secret") {
		t.Errorf("the passphrase was echoed:\n%s", out.String())
	}
	if srv.handshakes.Load() != 1 {
		t.Errorf("server saw %d handshakes", srv.handshakes.Load())
	}
}

// watchWriter collects output and closes seen once want appeared in it.
type watchWriter struct {
	mu   sync.Mutex
	b    strings.Builder
	want string
	seen chan struct{}
	once sync.Once
}

func (w *watchWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.b.Write(p)
	if strings.Contains(w.b.String(), w.want) {
		w.once.Do(func() { close(w.seen) })
	}
	return len(p), nil
}

func (w *watchWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

func TestPassphrasePromptChild(t *testing.T) {
	if os.Getenv("RB_PROMPT_CHILD") == "" {
		t.Skip("run by TestPassphrasePrompt")
	}
	port, _ := strconv.Atoi(os.Getenv("RB_PROMPT_PORT"))
	p := NewPool(Options{ConfigFile: "none", AgentSocket: "none", HomeDir: os.Getenv("RB_PROMPT_HOME")})
	defer p.Close()
	c, err := p.Dial(context.Background(), &transport.Endpoint{Name: "h1", Address: "127.0.0.1", Port: port, User: "rb",
		PrivateKey: os.Getenv("RB_PROMPT_KEY"), KnownHosts: os.Getenv("RB_PROMPT_KH")})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Exec(context.Background(), &transport.Cmd{Argv: []string{"echo", "CHILD-OK"}})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Print(string(res.Stdout))
}
