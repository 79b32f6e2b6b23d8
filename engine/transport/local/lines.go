package local

import (
	"bytes"
	"sync"
)

// lineWriter collects everything written to it and, when cb is set, calls
// cb with each complete line (without "\n" or "\r\n") as it arrives. mu is
// shared by the writers of one command so their callbacks never overlap.
type lineWriter struct {
	mu      *sync.Mutex
	cb      func(string)
	full    bytes.Buffer
	partial []byte
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.full.Write(p)
	if w.cb == nil {
		return len(p), nil
	}
	w.partial = append(w.partial, p...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		line := bytes.TrimSuffix(w.partial[:i], []byte("\r"))
		w.emit(string(line))
		w.partial = w.partial[i+1:]
	}
	// Keep the tail in a fresh slice so the consumed prefix can be freed.
	if len(w.partial) == 0 {
		w.partial = nil
	}
	return len(p), nil
}

// flush hands a last line without a trailing newline to the callback.
func (w *lineWriter) flush() {
	if w.cb != nil && len(w.partial) > 0 {
		w.emit(string(bytes.TrimSuffix(w.partial, []byte("\r"))))
	}
	w.partial = nil
}

func (w *lineWriter) emit(line string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.cb(line)
}
