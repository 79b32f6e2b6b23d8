package journal

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/runbook-dev/runbook/engine/event"
)

// The journal's outputs are what ctyjson.Marshal(v, cty.DynamicPseudoType)
// writes, byte for byte, though the type's JSON is kept per task: for
// values of one type, of another type under the same task (the cache must
// not answer), null and nested values.
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
