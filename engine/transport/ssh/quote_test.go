package ssh

import (
	"os/exec"
	"strings"
	"testing"
)

func TestQuote(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", "''"},
		{"abc", "'abc'"},
		{"a b", "'a b'"},
		{"a'b", `'a'\''b'`},
		{"'", `''\'''`},
		{"$(id)", "'$(id)'"},
		{"; touch /tmp/x", "'; touch /tmp/x'"},
	}
	for _, c := range cases {
		if got := Quote(c.in); got != c.want {
			t.Errorf("Quote(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

// nasty are arguments a shell would love to interpret.
var nasty = []string{
	"plain", "", "two words", "a'b", `"double"`, `back\slash`, "$HOME", "$(echo injected)",
	"`echo injected`", "*", "~", "a;b", "; echo injected", "| cat", "&& echo injected", "line1\nline2",
	"tab\there", "-n", "--", "#comment", "!bang", "{a,b}", "ünïcödé",
}

// TestQuoteRoundTrip runs the quoted words through a real /bin/sh: every
// element must arrive as one argument, unchanged.
func TestQuoteRoundTrip(t *testing.T) {
	script := "for a in " + QuoteArgv(nasty) + `; do printf '[%s]\n' "$a"; done`
	out, err := exec.Command("/bin/sh", "-c", script).Output()
	if err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	for _, a := range nasty {
		want.WriteString("[" + a + "]\n")
	}
	if string(out) != want.String() {
		t.Errorf("round trip through sh:\n got %q\nwant %q", out, want.String())
	}
}

func TestCommandLine(t *testing.T) {
	cases := []struct {
		argv []string
		dir  string
		env  map[string]string
		want string
	}{
		{[]string{"true"}, "", nil, "exec 'true'"},
		{[]string{"ls", "-l"}, "/tmp/a b", nil, "cd '/tmp/a b' && exec 'ls' '-l'"},
		{[]string{"env"}, "", map[string]string{"B": "2", "A": "x'y"}, `exec env 'A=x'\''y' 'B=2' 'env'`},
		{[]string{"-x"}, "", map[string]string{"A": "1"}, "exec env 'A=1' './-x'"},
	}
	for _, c := range cases {
		if got := commandLine(c.argv, c.dir, c.env); got != c.want {
			t.Errorf("commandLine(%q, %q, %v) = %s, want %s", c.argv, c.dir, c.env, got, c.want)
		}
	}
}
