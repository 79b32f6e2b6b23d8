package wait_for

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/module/moduletest"
	"github.com/runbook-dev/runbook/engine/transport"
	"github.com/runbook-dev/runbook/engine/transport/local"
)

func run(t *testing.T, conn transport.Conn, src string) (*module.PlanResponse, *module.ApplyResponse) {
	t.Helper()
	return runOn(t, conn, "h1", src)
}

func runOn(t *testing.T, conn transport.Conn, host, src string) (*module.PlanResponse, *module.ApplyResponse) {
	t.Helper()
	m := New()
	return moduletest.Run(t, m, moduletest.Request(moduletest.Args(t, m, src), conn, host))
}

func plan(t *testing.T, conn transport.Conn, src string) *module.PlanResponse {
	t.Helper()
	m := New()
	return moduletest.Plan(t, m, moduletest.Request(moduletest.Args(t, m, src), conn, "h1"))
}

// freePort returns a loopback port nothing listens on.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

func num(t *testing.T, r *module.ApplyResponse, name string) float64 {
	f, _ := r.Outputs.GetAttr(name).AsBigFloat().Float64()
	return f
}

var froms = []string{"host", "control"}

func TestPort(t *testing.T) {
	conn := local.New("h1")
	for _, from := range froms {
		t.Run(from, func(t *testing.T) {
			port := freePort(t)
			src := fmt.Sprintf("from = %q\nport = %d\ntimeout = \"5s\"\ninterval = \"200ms\"\n", from, port)

			p := plan(t, conn, src)
			if p.Err != nil || p.Action != module.Change || !strings.Contains(p.Reason, "(now: connection refused)") {
				t.Fatalf("closed port plan: %v %v %q", p.Err, p.Action, p.Reason)
			}
			if p := plan(t, conn, src+"state = \"closed\"\n"); p.Err != nil || p.Action != module.NoOp {
				t.Errorf("closed port, state closed: %v %v %s", p.Err, p.Action, p.Reason)
			}

			// The port opens while Apply waits.
			var l net.Listener
			opened := make(chan struct{})
			go func() {
				time.Sleep(700 * time.Millisecond)
				var err error
				l, err = net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
				if err != nil {
					t.Error(err)
				}
				close(opened)
			}()
			_, a := run(t, conn, src)
			<-opened
			if l != nil {
				defer l.Close()
			}
			if a == nil || a.Err != nil || a.Changed {
				t.Fatalf("apply: %+v", a)
			}
			if !a.Outputs.Type().Equals(New().Schema().Outputs) {
				t.Errorf("outputs type %#v does not match the schema", a.Outputs.Type())
			}
			if num(t, a, "attempts") < 2 || num(t, a, "elapsed") < 0.5 {
				t.Errorf("outputs %#v", a.Outputs)
			}
			if p := plan(t, conn, src); p.Err != nil || p.Action != module.NoOp {
				t.Errorf("open port plan: %v %v", p.Err, p.Action)
			}

			// Waiting for it to close times out.
			start := time.Now()
			_, a = run(t, conn, strings.Replace(src, `"5s"`, `"1s"`, 1)+"state = \"closed\"\n")
			if a == nil || a.Err == nil || !strings.Contains(a.Err.Error(), fmt.Sprintf("timed out after 1s waiting for 127.0.0.1:%d to be closed", port)) ||
				!strings.Contains(a.Err.Error(), "last: open") {
				t.Errorf("timeout: %+v", a)
			}
			if d := time.Since(start); d > 4*time.Second {
				t.Errorf("1s timeout took %s", d)
			}
		})
	}
}

func TestURL(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/slow":
			if hits.Add(1) < 3 {
				http.Error(w, "starting", http.StatusServiceUnavailable)
				return
			}
			fmt.Fprint(w, `{"status": "ready", "version": "18.0.0"}`)
		case "/redirect":
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
		default:
			fmt.Fprint(w, "hello")
		}
	}))
	defer srv.Close()
	conn := local.New("h1")
	for _, from := range froms {
		t.Run(from, func(t *testing.T) {
			hits.Store(0)
			base := fmt.Sprintf("from = %q\ntimeout = \"10s\"\ninterval = \"100ms\"\n", from)
			src := base + fmt.Sprintf("url = %q\nbody = \"\\\"version\\\": \\\"[0-9.]+\\\"\"\n", srv.URL+"/slow")
			p := plan(t, conn, src)
			if p.Err != nil || p.Action != module.Change || !strings.Contains(p.Reason, "(now: status 503)") {
				t.Fatalf("plan: %v %v %q", p.Err, p.Action, p.Reason)
			}
			_, a := run(t, conn, src)
			if a == nil || a.Err != nil {
				t.Fatalf("apply: %+v", a)
			}
			if a.Outputs.GetAttr("match").AsString() != `"version": "18.0.0"` || num(t, a, "status") != 200 {
				t.Errorf("outputs %#v", a.Outputs)
			}
			if p := plan(t, conn, base+fmt.Sprintf("url = %q\nstatus = [302]\n", srv.URL+"/redirect")); p.Err != nil || p.Action != module.NoOp {
				t.Errorf("redirect is the answer: %v %v %s", p.Err, p.Action, p.Reason)
			}
			if p := plan(t, conn, base+fmt.Sprintf("url = %q\nbody = \"nope\"\n", srv.URL+"/")); p.Action != module.Change || !strings.Contains(p.Reason, "body does not match") {
				t.Errorf("body mismatch: %v %q", p.Action, p.Reason)
			}
			dead := fmt.Sprintf("http://127.0.0.1:%d/", freePort(t))
			if p := plan(t, conn, base+fmt.Sprintf("url = %q\n", dead)); p.Err != nil || p.Action != module.Change {
				t.Errorf("dead url: %v %v %q", p.Err, p.Action, p.Reason)
			}
		})
	}
	t.Run("no curl", func(t *testing.T) {
		bin := t.TempDir()
		sh, _ := exec.LookPath("sh")
		_ = os.Symlink(sh, filepath.Join(bin, "sh"))
		t.Setenv("PATH", bin)
		p := plan(t, conn, fmt.Sprintf("url = %q\n", srv.URL))
		if p.Err == nil || !strings.Contains(p.Err.Error(), "curl is not installed on h1") {
			t.Errorf("err %v", p.Err)
		}
	})
}

func TestPath(t *testing.T) {
	conn := local.New("h1")
	for _, from := range froms {
		t.Run(from, func(t *testing.T) {
			dir := t.TempDir()
			f := filepath.Join(dir, "agent.log")
			base := fmt.Sprintf("from = %q\npath = %q\ntimeout = \"5s\"\ninterval = \"100ms\"\n", from, f)
			if p := plan(t, conn, base); p.Action != module.Change || !strings.Contains(p.Reason, "(now: missing)") {
				t.Errorf("missing: %v %q", p.Action, p.Reason)
			}
			if p := plan(t, conn, base+"state = \"absent\"\n"); p.Err != nil || p.Action != module.NoOp {
				t.Errorf("absent: %v %v", p.Err, p.Action)
			}
			go func() {
				time.Sleep(300 * time.Millisecond)
				_ = os.WriteFile(f, []byte("starting\n"), 0o644)
				time.Sleep(300 * time.Millisecond)
				_ = os.WriteFile(f, []byte("starting\nguest agent: prepare completed in 12s\n"), 0o644)
			}()
			re := base + "regexp = \"prepare completed in [0-9]+s\"\n"
			_, a := run(t, conn, re)
			if a == nil || a.Err != nil || a.Outputs.GetAttr("match").AsString() != "prepare completed in 12s" {
				t.Fatalf("apply: %+v", a)
			}
			if p := plan(t, conn, re+"state = \"absent\"\n"); p.Action != module.Change {
				t.Errorf("regexp absent while it matches: %v", p.Action)
			}
			if p := plan(t, conn, base); p.Err != nil || p.Action != module.NoOp {
				t.Errorf("present: %v %v", p.Err, p.Action)
			}
		})
	}
}

func TestArgs(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{`timeout = "1s"`, "Give exactly one of port, url or path"},
		{"port = 22\npath = \"/x\"", "Give only one of port, url or path, not port and path"},
		{"port = 0", "port must be a whole number from 1 to 65535, not 0"},
		{"url = \"ftp://x/\"", "must be an http:// or https:// URL"},
		{"path = \"/x\"\naddress = \"10.0.0.1\"", "address goes with port"},
		{"port = 22\nstatus = [200]", "status goes with url"},
		{"url = \"http://127.0.0.1/\"\nstatus = [42]", "status must be a whole number from 100 to 599, not 42"},
		{"path = \"/x\"\nregexp = \"(\"", "regexp must be a regular expression"},
		{"port = 22\nstate = \"present\"", `state must be "open", "started", "closed" or "stopped", not "present" (with port)`},
		{"port = 22\nfrom = \"somewhere\"", `from must be "host" or "control"`},
		{"port = 22\ntimeout = \"forever\"", `"forever" is not a duration`},
		{"port = 22\ninterval = \"0s\"", "it must be more than 0"},
	} {
		p := plan(t, nil, tc.src)
		if p.Err == nil || !strings.Contains(p.Err.Error(), tc.want) {
			t.Errorf("%s: err %v, want %q", tc.src, p.Err, tc.want)
		}
	}
}
