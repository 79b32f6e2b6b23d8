package didyoumean

import "testing"

func TestSuggest(t *testing.T) {
	modules := []string{"assert", "command", "copy", "debug", "fetch", "file", "ini", "lineinfile", "package", "script", "shell", "systemd", "template", "wait_for"}
	metas := []string{"hosts", "when", "for_each", "run_once", "delegate_to", "retries", "delay", "until", "timeout", "changed_when", "failed_when", "check_mode", "tags", "notify", "depends_on"}
	for _, tt := range []struct {
		name  string
		known []string
		want  string
	}{
		{"cmd", modules, "command"}, // not "copy", the nearest by edit distance
		{"pkg", modules, "package"},
		{"retry", metas, "retries"}, // edit distance 3: hcl's own rule says nothing
		{"comand", modules, "command"},
		{"Shell", modules, "shell"},
		{"tag", metas, "tags"},
		{"systemctl", modules, "systemd"},
		{"frobnicate", modules, ""},
		{"x", modules, ""},
		{"", modules, ""},
		{"copy", modules, ""}, // the name itself is not a suggestion
	} {
		if got := Suggest(tt.name, tt.known); got != tt.want {
			t.Errorf("Suggest(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
	if s := Sentence("cmd", modules); s != ` Did you mean "command"?` {
		t.Errorf("Sentence: %q", s)
	}
}
