package ui

import (
	"fmt"
	"time"

	"github.com/runbook-dev/runbook/engine/event"
)

// redrawEvery throttles redrawing the status line for task output: a
// command printing thousands of lines must not flood the terminal.
const redrawEvery = 100 * time.Millisecond

// instance names one task instance on one host.
type instance struct{ task, key, host string }

// running is what the status line knows about one running instance.
type running struct {
	instance
	last string    // last output line, sanitized
	seen time.Time // when it last started or printed
}

// statusLine is the live line at the bottom of a terminal showing the
// running task instances and the last line one of them printed. It is
// drawn with \r and erased before any permanent line is written. All
// methods run with the Human's mutex held.
type statusLine struct {
	h       *Human
	running map[instance]*running
	shown   bool      // a status line is on screen
	drawn   time.Time // when it was last drawn
	timer   *time.Timer
	now     func() time.Time
}

func (s *statusLine) init(h *Human) {
	s.h = h
	s.running = make(map[instance]*running)
	s.now = time.Now
}

func (s *statusLine) start(e event.TaskStarted) {
	in := instance{e.Task, e.Key, e.Host}
	s.running[in] = &running{instance: in, seen: s.now()}
}

func (s *statusLine) output(e event.TaskOutput) {
	in := instance{e.Task, e.Key, e.Host}
	r := s.running[in]
	if r == nil { // output without a start event: show it all the same
		r = &running{instance: in}
		s.running[in] = r
	}
	r.last = sanitize(e.Line)
	r.seen = s.now()
}

func (s *statusLine) finish(task, key, host string) {
	delete(s.running, instance{task, key, host})
}

// clear erases the status line if one is shown.
func (s *statusLine) clear() {
	if s.shown {
		s.h.printf("%s", eraseLine)
		s.shown = false
	}
}

// draw shows the status line on a terminal. Unless force is set, a draw
// within redrawEvery of the last one is deferred to a timer.
func (s *statusLine) draw(force bool) {
	if !s.h.tty {
		return
	}
	if len(s.running) == 0 {
		s.clear()
		return
	}
	now := s.now()
	if !force && now.Sub(s.drawn) < redrawEvery {
		if s.timer == nil {
			s.timer = time.AfterFunc(redrawEvery-now.Sub(s.drawn), s.deferred)
		}
		return
	}
	s.h.printf("%s%s", eraseLine, s.h.style.muted(truncate(s.text(), s.h.width()-1)))
	s.shown = true
	s.drawn = now
}

// deferred is the timer's redraw.
func (s *statusLine) deferred() {
	s.h.mu.Lock()
	defer s.h.mu.Unlock()
	s.timer = nil
	s.draw(true)
}

// stop cancels a deferred redraw and erases the line: the run is over.
func (s *statusLine) stop() {
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	clear(s.running)
	s.clear()
}

// text is the status line: how many instances run, and the one that was
// heard from last with its last line of output.
func (s *statusLine) text() string {
	var latest *running
	for _, r := range s.running {
		if latest == nil || r.seen.After(latest.seen) ||
			(r.seen.Equal(latest.seen) && lessInstance(r.instance, latest.instance)) {
			latest = r
		}
	}
	text := fmt.Sprintf("[%d running] %s", len(s.running), sanitize(instanceAddr(latest.task, latest.key)))
	if latest.host != "" {
		text += " " + sanitize(latest.host)
	}
	if latest.last != "" {
		text += ": " + latest.last
	}
	return text
}

func lessInstance(a, b instance) bool {
	if a.task != b.task {
		return a.task < b.task
	}
	if a.key != b.key {
		return a.key < b.key
	}
	return a.host < b.host
}
