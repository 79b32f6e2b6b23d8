package ssh

import (
	"bytes"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// lineWriter keeps everything written and hands complete lines to a
// callback as they arrive.
type lineWriter struct {
	mu      sync.Mutex
	all     bytes.Buffer
	partial []byte
	cb      func(string)
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.all.Write(p)
	if w.cb == nil {
		return len(p), nil
	}
	w.partial = append(w.partial, p...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		w.cb(strings.TrimSuffix(string(w.partial[:i]), "\r"))
		w.partial = w.partial[i+1:]
	}
	return len(p), nil
}

// copyBufs are the buffers output is read with: x/crypto/ssh copies a
// session's stdout and stderr with io.Copy, which would otherwise allocate
// 32 KiB per stream per command.
var copyBufs = sync.Pool{New: func() any { b := make([]byte, 16<<10); return &b }}

func readFrom(w io.Writer, r io.Reader) (int64, error) {
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	buf := *bp
	var n int64
	for {
		m, err := r.Read(buf)
		if m > 0 {
			n += int64(m)
			if _, werr := w.Write(buf[:m]); werr != nil {
				return n, werr
			}
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// ReadFrom lets io.Copy use a pooled buffer.
func (w *lineWriter) ReadFrom(r io.Reader) (int64, error) { return readFrom(struct{ io.Writer }{w}, r) }

// ReadFrom lets io.Copy use a pooled buffer.
func (f *stderrFilter) ReadFrom(r io.Reader) (int64, error) {
	return readFrom(struct{ io.Writer }{f}, r)
}

// flush hands over a last line without a newline.
func (w *lineWriter) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.cb != nil && len(w.partial) > 0 {
		w.cb(strings.TrimSuffix(string(w.partial), "\r"))
	}
	w.partial = nil
}

func (w *lineWriter) bytes() []byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	return bytes.Clone(w.all.Bytes())
}

// control carries what the wrapper around a remote command reports on
// stderr before the command itself runs: the remote PID (for killing), the
// sudo prompt, and "the command starts now" after sudo let us in.
type control struct {
	pidMarker    string // line: "<pidMarker> <pid>"
	goMarker     string // line: "<goMarker> <pid>" (become only)
	promptMarker string // sudo's prompt, no newline (become only)

	pidc    chan int      // the login shell's PID (= process group)
	innerc  chan int      // the PID after sudo
	prompts chan struct{} // one per sudo prompt
	started chan struct{} // closed when the command itself starts
	wrapped atomic.Bool   // the wrapper line ran (its PID line came)
}

func newControl(nonce string, become bool) *control {
	c := &control{
		pidMarker: "RUNBOOK-PID-" + nonce,
		pidc:      make(chan int, 1),
		innerc:    make(chan int, 1),
		prompts:   make(chan struct{}, 8),
		started:   make(chan struct{}),
	}
	if become {
		c.goMarker = "RUNBOOK-GO-" + nonce
		c.promptMarker = "RUNBOOK-SUDO-" + nonce + ":"
	}
	return c
}

// stderrFilter takes the control lines out of stderr until the command
// starts, then passes everything through to out.
type stderrFilter struct {
	mu          sync.Mutex
	ctl         *control
	out         *lineWriter
	filtering   bool
	partial     []byte
	afterPrompt bool
}

func newStderrFilter(ctl *control, out *lineWriter) *stderrFilter {
	return &stderrFilter{ctl: ctl, out: out, filtering: true}
}

func (f *stderrFilter) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.filtering {
		return f.out.Write(p)
	}
	f.partial = append(f.partial, p...)
	for f.filtering {
		if f.afterPrompt && len(f.partial) > 0 {
			f.afterPrompt = false
			if f.partial[0] == '\n' { // some sudos end the prompt line after reading
				f.partial = f.partial[1:]
				continue
			}
		}
		i := bytes.IndexByte(f.partial, '\n')
		if i < 0 {
			if f.ctl.promptMarker != "" && string(f.partial) == f.ctl.promptMarker {
				f.partial = f.partial[:0]
				f.afterPrompt = true
				select {
				case f.ctl.prompts <- struct{}{}:
				default:
				}
			}
			break
		}
		line := string(f.partial[:i])
		f.partial = f.partial[i+1:]
		f.control(line)
	}
	if !f.filtering && len(f.partial) > 0 {
		rest := f.partial
		f.partial = nil
		return len(p), f.write(rest)
	}
	return len(p), nil
}

func (f *stderrFilter) write(b []byte) error {
	_, err := f.out.Write(b)
	return err
}

// control handles one complete line while filtering.
func (f *stderrFilter) control(line string) {
	ctl := f.ctl
	if f.ctl.promptMarker != "" && strings.HasPrefix(line, ctl.promptMarker) {
		// A prompt followed by a newline in the same write.
		line = strings.TrimPrefix(line, ctl.promptMarker)
		select {
		case ctl.prompts <- struct{}{}:
		default:
		}
		if line == "" {
			return
		}
	}
	if pid, ok := markerPID(line, ctl.pidMarker); ok {
		ctl.wrapped.Store(true)
		ctl.pidc <- pid
		if ctl.goMarker == "" {
			f.filtering = false
			close(ctl.started)
		}
		return
	}
	if ctl.goMarker != "" {
		if pid, ok := markerPID(line, ctl.goMarker); ok {
			ctl.innerc <- pid
			f.filtering = false
			close(ctl.started)
			return
		}
	}
	_ = f.write([]byte(line + "\n"))
}

func markerPID(line, marker string) (int, bool) {
	rest, ok := strings.CutPrefix(line, marker+" ")
	if !ok {
		return 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(rest))
	return pid, err == nil && pid > 0
}

// flush passes on what is left (a wrapper that never got to start the
// command, e.g. sudo's refusal without a newline).
func (f *stderrFilter) flush() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.partial) > 0 {
		_ = f.write(f.partial)
		f.partial = nil
	}
	f.out.flush()
}
