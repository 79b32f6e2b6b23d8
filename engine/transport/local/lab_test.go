package local

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/runbook-dev/runbook/engine/transport"
)

// TestLabRealSudoPrompt drives the real sudo as the lab user rb, whose
// sudoers entry always asks for his password: the prompt is answered from
// Become.Password, a wrong or missing one is reported, and the password
// never reaches the command's stdin or output.
func TestLabRealSudoPrompt(t *testing.T) {
	user, password := labBecome(t)
	// A "sudo" that is the real sudo, started as the lab user.
	wrapper := filepath.Join(t.TempDir(), "sudo-as-"+user)
	script := "#!/bin/sh\nexec setpriv --reuid=" + user + " --regid=" + user + " --init-groups sudo \"$@\"\n"
	if err := os.WriteFile(wrapper, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		password string
		wantErr  string
	}{
		{name: "right password", password: password},
		{name: "wrong password", password: "not-" + password, wantErr: "sudo rejected the password to become root"},
		{name: "no password", password: "", wantErr: "sudo asks for a password to become root and none was given"},
	}
	c := New("h1", WithSudo(wrapper))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			res, err := c.Exec(ctx, &transport.Cmd{
				Argv:   []string{"sh", "-c", "id -u; cat"},
				Dir:    "/",
				Stdin:  strings.NewReader("stdin-data"),
				Become: &transport.Become{Password: tt.password},
			})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if tt.password != "" && strings.Contains(err.Error(), tt.password) {
					t.Error("the error shows the password")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := string(res.Stdout); got != "0\nstdin-data" {
				t.Errorf("stdout = %q, want uid 0 and the stdin only", got)
			}
			if strings.Contains(string(res.Stderr), "runbook-sudo") || strings.Contains(string(res.Stderr), "RUNBOOK-BECOME") {
				t.Errorf("stderr shows the prompt or marker: %q", res.Stderr)
			}
		})
	}
}
