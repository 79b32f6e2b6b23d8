//go:build linux

package ui

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/runbook-dev/runbook/engine/event"
)

// openPTY opens a pseudo-terminal pair, or skips the test.
func openPTY(t *testing.T, cols uint16) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		m.Close()
		t.Skipf("unlocking the pty: %v", err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		m.Close()
		t.Skipf("pty number: %v", err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		t.Skipf("opening the pty's slave: %v", err)
	}
	if err := unix.IoctlSetWinsize(int(s.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 24, Col: cols}); err != nil {
		t.Fatalf("setting the window size: %v", err)
	}
	t.Cleanup(func() { m.Close(); s.Close() })
	return m, s
}

// TestHumanOnRealTerminal drives Human on a pseudo-terminal: colour and
// the status line turn on by themselves, and the width comes from the
// terminal; NO_COLOR turns colour off.
func TestHumanOnRealTerminal(t *testing.T) {
	master, slave := openPTY(t, 40)
	noEnv := func(string) string { return "" }
	if !UseColor(slave, ColorAuto, noEnv) {
		t.Fatal("no colour on a terminal")
	}
	if UseColor(slave, ColorAuto, func(k string) string { return map[string]string{"NO_COLOR": "1"}[k] }) {
		t.Fatal("colour on a terminal with NO_COLOR set")
	}
	if UseColor(slave, ColorAuto, func(k string) string { return map[string]string{"TERM": "dumb"}[k] }) {
		t.Fatal("colour on a dumb terminal")
	}
	if UseColor(slave, ColorNever, noEnv) {
		t.Fatal("colour with ColorNever")
	}

	read := make(chan []byte)
	go func() {
		var buf bytes.Buffer
		_, err := io.Copy(&buf, master)
		if err != nil && !errors.Is(err, syscall.EIO) && !errors.Is(err, os.ErrClosed) {
			t.Errorf("reading the pty: %v", err)
		}
		read <- buf.Bytes()
	}()

	h := NewHuman(slave, Options{Getenv: noEnv})
	if !h.tty || !h.style.on || h.width() != 40 {
		t.Fatalf("on a terminal: status line %v, colour %v, width %d; want true, true, 40", h.tty, h.style.on, h.width())
	}
	h.Emit(event.TaskStarted{Task: "task.build_image", Host: "dev1"})
	time.Sleep(redrawEvery + 20*time.Millisecond) // past the redraw throttle
	h.Emit(event.TaskOutput{Task: "task.build_image", Host: "dev1", Line: strings.Repeat("y", 100)})
	h.Emit(event.TaskFinished{Task: "task.build_image", Host: "dev1", Status: event.StatusChanged, Duration: time.Second})
	h.Emit(event.RunFinished{})
	if err := h.Err(); err != nil {
		t.Fatal(err)
	}
	got := closeAndRead(t, master, slave, read)
	for _, want := range []string{eraseLine + sgrDim + "[1 running]", sgrYellow + "changed" + sgrReset, "…"} {
		if !bytes.Contains(got, []byte(want)) {
			t.Errorf("terminal output lacks %q:\n%q", want, got)
		}
	}
	if bytes.Contains(got, []byte(strings.Repeat("y", 40))) {
		t.Errorf("status line not truncated to the terminal's width: %q", got)
	}
}

// TestDumbTerminalGetsNoEscapes: with TERM=dumb, a terminal gets neither
// colour nor the status line's \r and \e[K.
func TestDumbTerminalGetsNoEscapes(t *testing.T) {
	master, slave := openPTY(t, 80)
	read := make(chan []byte)
	go func() {
		var buf bytes.Buffer
		_, _ = io.Copy(&buf, master)
		read <- buf.Bytes()
	}()
	h := NewHuman(slave, Options{Getenv: func(k string) string { return map[string]string{"TERM": "dumb"}[k] }})
	h.Emit(event.TaskStarted{Task: "task.build_image", Host: "dev1"})
	time.Sleep(redrawEvery + 20*time.Millisecond)
	h.Emit(event.TaskOutput{Task: "task.build_image", Host: "dev1", Line: "step 1"})
	h.Emit(event.TaskFinished{Task: "task.build_image", Host: "dev1", Status: event.StatusChanged, Duration: time.Second})
	h.Emit(event.RunFinished{})
	got := closeAndRead(t, master, slave, read)
	if bytes.Contains(got, []byte("\x1b")) || bytes.Contains(got, []byte("[1 running]")) {
		t.Errorf("TERM=dumb got escapes or a status line: %q", got)
	}
	if !bytes.Contains(got, []byte("changed")) {
		t.Errorf("no result line: %q", got)
	}
}

// closeAndRead closes the pty's slave and returns what its master read.
func closeAndRead(t *testing.T, master, slave *os.File, read <-chan []byte) []byte {
	t.Helper()
	slave.Close()
	select {
	case got := <-read:
		return got
	case <-time.After(5 * time.Second):
		master.Close()
		t.Fatal("reading the pty timed out")
	}
	return nil
}
