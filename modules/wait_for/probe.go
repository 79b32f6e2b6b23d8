package wait_for

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/transport"
	"github.com/runbook-dev/runbook/modules/internal/hostfs"
)

// probeTimeout bounds one check.
const probeTimeout = 5 * time.Second

// bodyLimit is how much of an HTTP body or a file is matched.
const bodyLimit = 16 << 20

// outcome is what one check saw.
type outcome struct {
	ok     bool
	detail string // e.g. "connection refused", "status 503", "no match"
	status int    // HTTP status
	match  string // what the regexp matched
}

// probe checks the condition once. An error means it cannot be checked at
// all (a tool missing on the host, a permission denied): waiting longer
// would not help.
func probe(ctx context.Context, p *params, fsys *hostfs.FS, host string) (outcome, error) {
	conn := fsys.Conn
	ctx, cancel := context.WithTimeout(ctx, probeTimeout+2*time.Second)
	defer cancel()
	switch p.kind {
	case kindPort:
		open, detail, err := portOpen(ctx, p, conn, host)
		if err != nil {
			return outcome{}, err
		}
		return outcome{ok: open == (p.want == "open"), detail: detail}, nil
	case kindURL:
		return probeURL(ctx, p, conn, host)
	default:
		return probePath(ctx, p, fsys, host)
	}
}

// tcpScript connects to $1:$2 within $3 seconds: bash's /dev/tcp, else
// nc. Address and port arrive as positional parameters, never as text of
// the script.
const tcpScript = `if command -v bash >/dev/null 2>&1; then exec timeout "$3" bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2"
elif command -v nc >/dev/null 2>&1; then exec nc -z -w "$3" "$1" "$2"
else echo "neither bash nor nc is installed" >&2; exit 127; fi`

func portOpen(ctx context.Context, p *params, conn transport.Conn, host string) (bool, string, error) {
	addr := net.JoinHostPort(p.address, strconv.Itoa(p.port))
	if p.from == "control" {
		c, err := (&net.Dialer{Timeout: probeTimeout}).DialContext(ctx, "tcp", addr)
		if err != nil {
			return false, shortNetErr(err), nil
		}
		c.Close()
		return true, "open", nil
	}
	secs := strconv.Itoa(int(probeTimeout / time.Second))
	argv := []string{"sh", "-c", tcpScript, "sh", p.address, strconv.Itoa(p.port), secs}
	res, err := conn.Exec(ctx, &transport.Cmd{Argv: argv, Env: map[string]string{"LC_ALL": "C"}})
	if err != nil {
		return false, "", err
	}
	switch res.RC {
	case 0:
		return true, "open", nil
	case 124:
		return false, "no answer within " + secs + "s", nil
	case 127:
		return false, "", fmt.Errorf("cannot check a port from %s: %s (use from = \"control\")", host, module.Tail(string(res.Stderr), 1))
	}
	detail := "closed"
	if s := module.Tail(string(res.Stderr), 1); s != "" {
		if i := strings.LastIndex(s, ": "); i >= 0 {
			s = s[i+2:]
		}
		detail = strings.ToLower(s)
	}
	return false, detail, nil
}

func shortNetErr(err error) string {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		s := op.Err.Error()
		if i := strings.LastIndex(s, ": "); i >= 0 {
			s = s[i+2:]
		}
		return s
	}
	return err.Error()
}

func probeURL(ctx context.Context, p *params, conn transport.Conn, host string) (outcome, error) {
	var status int
	var body []byte
	if p.from == "control" {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		if p.insecure {
			tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // asked for by insecure = true
		}
		defer tr.CloseIdleConnections()
		client := &http.Client{Transport: tr, Timeout: probeTimeout,
			// As from the host (curl without -L): a redirect is the answer.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.url, nil)
		if err != nil {
			return outcome{}, err
		}
		resp, err := client.Do(req)
		if err != nil {
			return outcome{detail: shortNetErr(err)}, nil
		}
		status = resp.StatusCode
		body, _ = io.ReadAll(io.LimitReader(resp.Body, bodyLimit))
		resp.Body.Close()
	} else {
		// curl prints the body, then a newline and the status code.
		argv := []string{"curl", "-sS", "--max-time", strconv.Itoa(int(probeTimeout / time.Second)), "--max-filesize", strconv.Itoa(bodyLimit),
			"-o", "-", "-w", "\n%{http_code}"}
		if p.insecure {
			argv = append(argv, "-k")
		}
		argv = append(argv, "--", p.url)
		res, err := conn.Exec(ctx, &transport.Cmd{Argv: argv, Env: map[string]string{"LC_ALL": "C"}})
		if err != nil {
			if errors.Is(err, exec.ErrNotFound) {
				return outcome{}, curlMissing(host)
			}
			return outcome{}, err
		}
		if res.RC == 127 {
			return outcome{}, curlMissing(host)
		}
		out := res.Stdout
		i := bytes.LastIndexByte(out, '\n')
		if i < 0 {
			return outcome{}, fmt.Errorf("curl on %s: unexpected output", host)
		}
		status, _ = strconv.Atoi(string(out[i+1:]))
		body = out[:i]
		if res.RC != 0 {
			detail := strings.TrimPrefix(module.Tail(string(res.Stderr), 1), "curl: ")
			return outcome{detail: detail, status: status}, nil
		}
	}
	o := outcome{status: status, detail: "status " + strconv.Itoa(status)}
	if !slices.Contains(p.status, status) {
		return o, nil
	}
	if p.body != nil {
		m := p.body.Find(body)
		if m == nil {
			o.detail += ", body does not match"
			return o, nil
		}
		o.match = string(m)
	}
	o.ok = true
	return o, nil
}

func curlMissing(host string) error {
	return fmt.Errorf("curl is not installed on %s (install curl, or use from = \"control\")", host)
}

func probePath(ctx context.Context, p *params, fsys *hostfs.FS, host string) (outcome, error) {
	var data []byte
	var err error
	exists := false
	if p.from == "control" {
		if p.re == nil {
			_, err = os.Stat(p.path)
		} else {
			data, err = readLimited(p.path)
		}
	} else {
		if p.re == nil {
			var ok bool
			if ok, err = fsys.Exists(ctx, p.path); err == nil && !ok {
				err = fs.ErrNotExist
			}
		} else {
			data, err = fsys.ReadFile(ctx, p.path)
		}
	}
	switch {
	case err == nil:
		exists = true
	case errors.Is(err, fs.ErrNotExist):
	default:
		return outcome{}, fmt.Errorf("checking %s on %s: %w", p.path, where(p, host), err)
	}
	if p.re == nil {
		o := outcome{detail: "missing"}
		if exists {
			o.detail = "present"
		}
		o.ok = exists == (p.want == "present")
		return o, nil
	}
	var m []byte
	if exists {
		m = p.re.Find(data)
	}
	o := outcome{detail: "no match"}
	if !exists {
		o.detail = "missing"
	}
	if m != nil {
		o.detail, o.match = "matches", string(m)
	}
	o.ok = (m != nil) == (p.want == "present")
	return o, nil
}

func where(p *params, host string) string {
	if p.from == "control" {
		return "the control node"
	}
	return host
}

func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, bodyLimit))
}
