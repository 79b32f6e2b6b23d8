package ui

import (
	"io"
	"testing"

	"github.com/runbook-dev/runbook/engine/event"
)

func BenchmarkHumanTaskFinished(b *testing.B) {
	h := NewHuman(io.Discard, Options{Color: ColorAlways})
	e := applyRun()[2]
	for b.Loop() {
		h.Emit(e)
	}
}

func BenchmarkHumanTaskOutputOnTerminal(b *testing.B) {
	h := NewHuman(io.Discard, Options{Width: 120})
	h.tty = true
	h.Emit(event.TaskStarted{Task: "task.build_image", Host: "dev1"})
	e := event.TaskOutput{Task: "task.build_image", Host: "dev1", Line: "Setting up libc6 (2.36-9+deb12u4) ..."}
	for b.Loop() {
		h.Emit(e)
	}
	h.Emit(event.RunFinished{})
}

func BenchmarkJSONTaskFinished(b *testing.B) {
	j := NewJSON(io.Discard)
	e := diffRun()[1]
	for b.Loop() {
		j.Emit(e)
	}
}
