package ini

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestParseRoundTrip: every fixture parses and renders back byte for byte.
func TestParseRoundTrip(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.conf*")
	if len(files) < 5 {
		t.Fatalf("fixtures missing: %v", files)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parse(name, b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := f.bytes(); string(got) != string(b) {
			t.Errorf("%s does not render back byte for byte", name)
		}
	}
}

func TestParseValues(t *testing.T) {
	b, _ := os.ReadFile("testdata/trove.conf")
	f, err := parse("trove.conf", b)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		section, key string
		want         []string
	}{
		{"DEFAULT", "debug", []string{"True"}},
		{"DEFAULT", "trove_api_workers", []string{"2"}},
		{"DEFAULT", "notification_topics", []string{"notifications", "trove_events"}},
		{"DEFAULT", "rpc_response_timeout", []string{"600"}}, // second [DEFAULT]
		{"DEFAULT", "ip_regex", []string{"^(15.|123.)"}},
		{"keystone_authtoken", "description", []string{"first line\nsecond line\nthird line (tab)"}},
		{"database", "idle_timeout", nil}, // commented out
		{"database", "debug", nil},
	}
	for _, tt := range tests {
		if got := values(f.find(tt.section, tt.key)); !equal(got, tt.want) {
			t.Errorf("[%s] %s = %q, want %q", tt.section, tt.key, got, tt.want)
		}
	}
	b, _ = os.ReadFile("testdata/crlf.conf")
	if f, err = parse("crlf.conf", b); err != nil || string(f.eol) != "\r\n" || values(f.find("database", "connection"))[0] != "sqlite://" {
		t.Errorf("crlf: %v %q %v", err, f.eol, f.opts)
	}
	// Quotes, ":" separators and the first separator winning.
	f, err = parse("q", []byte("[s]\na = \"  x \"\nb: 'y'\nc = d:e\nd : e=f\ne = \"half\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a": "  x ", "b": "y", "c": "d:e", "d": "e=f", "e": `"half`}
	for k, v := range want {
		if got := values(f.find("s", k)); len(got) != 1 || got[0] != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, src string
		line      int
		msg       string
	}{
		{"no separator", "[DEFAULT]\ndebug = true\njust some words\n", 3, "not a section header, an option"},
		{"option before section", "# c\ndebug = true\n", 2, "before the first [section]"},
		{"unclosed section", "[DEFAULT\n", 1, "closing"},
		{"empty section", "[]\n", 1, "without a name"},
		{"indent after header", "[DEFAULT]\n  indented\n", 2, "unexpected continuation"},
		{"indent after comment", "[DEFAULT]\na = 1\n# c\n  more\n", 4, "unexpected continuation"},
		{"indent after blank", "[DEFAULT]\na = 1\n\n  more\n", 4, "unexpected continuation"},
		{"empty key", "[DEFAULT]\n= v\n", 2, "without a name"},
		{"crlf line number", "[DEFAULT]\r\na = 1\r\noops\r\n", 3, "not a section header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse("/etc/x.conf", []byte(tt.src))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want a ParseError", err)
			}
			if pe.Line != tt.line || !strings.Contains(pe.Error(), tt.msg) || !strings.HasPrefix(pe.Error(), "/etc/x.conf:") {
				t.Errorf("err = %v, want line %d and %q", pe, tt.line, tt.msg)
			}
		})
	}
}

func TestRenderOption(t *testing.T) {
	tests := []struct {
		prefix, value, want, err string
	}{
		{"k = ", "v", "k = v", ""},
		{"k=", "v", "k=v", ""},
		{"k = ", "", "k =", ""},
		{"k = ", " padded ", `k = " padded "`, ""},
		{"k = ", `"quoted"`, `k = ""quoted""`, ""},
		{"k = ", "a\nb", "k = a\n    b", ""},
		{"k = ", "a\n\nb", "", "cannot be written"},
		{"k = ", "a\n b", "", "cannot be written"},
		{"k = ", "a\r", "", "carriage return"},
	}
	for _, tt := range tests {
		ls, err := renderOption(tt.prefix, tt.value, []byte("\n"))
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("renderOption(%q) err = %v, want %q", tt.value, err, tt.err)
			}
			continue
		}
		f := &file{lines: ls}
		if got := strings.TrimSuffix(string(f.bytes()), "\n"); err != nil || got != tt.want {
			t.Errorf("renderOption(%q, %q) = %q, %v; want %q", tt.prefix, tt.value, got, err, tt.want)
		}
	}
	for _, tt := range []struct{ line, want string }{
		{"key = value", "key = "}, {"key=value", "key="}, {"key =value", "key = "}, {"key\t=\tv", "key\t=\t"}, {"k: v", "k: "},
	} {
		if got := keyPrefix(tt.line); got != tt.want {
			t.Errorf("keyPrefix(%q) = %q, want %q", tt.line, got, tt.want)
		}
	}
}
