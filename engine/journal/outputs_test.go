package journal

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/runbook-dev/runbook/engine/event"
)

// The journal's outputs are what ctyjson.Marshal(v, cty.DynamicPseudoType)
// writes, byte for byte, though the type's JSON is kept per task: for
// values of one type, of another type under the same task (the cache must
// not answer), a type another task had, null and nested values.
func TestOutputsJSONIsCtyJSON(t *testing.T) {
	w := &Writer{}
	obj := func(rc int64, out string) cty.Value {
		return cty.ObjectVal(map[string]cty.Value{"rc": cty.NumberIntVal(rc), "stdout": cty.StringVal(out), "lines": cty.ListVal([]cty.Value{cty.StringVal("<a&b>")})})
	}
	cases := []struct {
		task string
		v    cty.Value
	}{
		{"task.a", obj(0, "x")},
		{"task.a", obj(1, "y\n\"z\"")},
		{"task.a", cty.ObjectVal(map[string]cty.Value{"other": cty.True})},
		{"task.a", cty.NullVal(cty.Object(map[string]cty.Type{"rc": cty.Number}))},
		{"task.b", cty.StringVal("plain")},
		{"task.b", cty.MapVal(map[string]cty.Value{"k": cty.NumberFloatVal(1.5)})},
		{"task.b", cty.NullVal(cty.DynamicPseudoType)},
		{"task.a", obj(2, "again")},
		// Types another task had, and a task whose type changes.
		{"task.c", obj(3, "another task")},
		{"task.d", cty.MapVal(map[string]cty.Value{"k": cty.NumberFloatVal(2)})},
		{"task.d", cty.MapVal(map[string]cty.Value{"k": cty.StringVal("not that type")})},
	}
	for i, c := range cases {
		want, werr := ctyjson.Marshal(c.v, cty.DynamicPseudoType)
		got, err := w.outputsJSON(c.task, c.v)
		if (err != nil) != (werr != nil) || !bytes.Equal(got, want) {
			t.Errorf("case %d (%s %#v):\n got %s (%v)\nwant %s (%v)", i, c.task, c.v, got, err, want, werr)
		}
	}
	// A marked or unknown value still fails, as with ctyjson.
	for _, v := range []cty.Value{cty.StringVal("s").Mark("x"), cty.UnknownVal(cty.String)} {
		if _, err := w.outputsJSON("task.c", v); err == nil {
			t.Errorf("%#v: no error, want one as ctyjson gives", v)
		}
	}
}

// An event line is written in one pass, with the bytes the two passes
// (the event, then the line around its JSON) wrote before.
func TestEventLineOnePass(t *testing.T) {
	now := time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)
	for _, e := range []event.Event{
		event.TaskStarted{Task: "task.a", Key: `k"<&>`, Host: "h1", Time: now},
		event.TaskFinished{Task: "task.a", Host: "h1", Status: event.StatusChanged, Reason: "a <b> & \"c\"\n", Stderr: "\x01\u2028"},
		event.Warning{Message: "w"},
	} {
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(eventLine{Type: "event", Time: now, Event: e.Type(), Data: b})
		if err != nil {
			t.Fatal(err)
		}
		got, err := json.Marshal(eventLineOut{Type: "event", Time: now, Event: e.Type(), Data: e})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s:\n got %s\nwant %s", e.Type(), got, want)
		}
	}
}

// A done line is the bytes encoding/json writes for the line with its
// outputs as a json.RawMessage (the outputs are spliced in after the
// rest, so that encoding/json does not scan them again), and reads back
// the same.
func TestDoneLineAsMarshalled(t *testing.T) {
	dir := t.TempDir()
	w, err := Open(dir, "r1", Identity{Runbook: "rb"})
	if err != nil {
		t.Fatal(err)
	}
	values := []cty.Value{
		cty.ObjectVal(map[string]cty.Value{"rc": cty.NumberIntVal(0), "stdout": cty.StringVal("a <b> & \"c\"\n\u2028")}),
		cty.StringVal("plain"),
		cty.NullVal(cty.DynamicPseudoType),
	}
	for i, v := range values {
		w.Completed("task.a", "h"+string(rune('1'+i)), "changed", i%2 == 0, v, false)
	}
	w.Completed("task.s", "h1", "ok", false, cty.StringVal("secret"), true)
	if err := w.Finished(2); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(w.Path())
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	if len(lines) != 1+len(values)+1+1 {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(values)+3, b)
	}
	for i, got := range lines[1 : len(lines)-1] {
		var back line
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("line %d does not read back: %v\n%s", i, err, got)
		}
		want := line{Type: "done", Time: back.Time, Task: back.Task, Host: back.Host, Status: back.Status, Changed: back.Changed, Withheld: back.Withheld}
		if i < len(values) {
			out, err := ctyjson.Marshal(values[i], cty.DynamicPseudoType)
			if err != nil {
				t.Fatal(err)
			}
			want.Outputs = out
			if !bytes.Equal(back.Outputs, out) {
				t.Errorf("line %d: outputs read back %s, want %s", i, back.Outputs, out)
			}
		} else if !back.Withheld || back.Outputs != nil {
			t.Errorf("withheld line: %s", got)
		}
		wantB, err := json.Marshal(want)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, wantB) {
			t.Errorf("line %d:\n got %s\nwant %s", i, got, wantB)
		}
	}
}
