package filediff

import (
	"bytes"
	"context"
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/transport"
	"github.com/runbook-dev/runbook/modules/internal/hostfs"
)

// installTail puts a staged file ($stage) in place of $dst: owner ($owner,
// may be empty), mode ($mode), an optional backup copy of the old file
// ($backup: the wanted backup path; if taken, ".1", ".2"... is put before
// the "~"), then an atomic rename. The staged file is removed if any step
// fails (the caller's trap), and the old file is untouched until the
// rename. It prints the backup path.
const installTail = `if [ -n "$owner" ]; then chown -- "$owner" "$stage"; fi
chmod -- "$mode" "$stage"
if [ -n "$backup" ]; then
  b=$backup n=1
  while [ -e "$b" ] || [ -L "$b" ]; do b=${backup%\~}.$n~; n=$((n+1)); done
  cp -p -- "$dst" "$b"
  printf '%s\n' "$b"
fi
mv -f -- "$stage" "$dst"
trap - EXIT`

// installScript puts the staged file $1 in place of $2 (owner $3, mode
// $4, backup $5): see installTail.
const installScript = `set -e
stage=$1 dst=$2 owner=$3 mode=$4 backup=$5
trap 'rm -f -- "$stage"' EXIT
` + installTail

// writeScript is the whole write in one command (one round trip for the
// command, one for its stdin): stdin goes to the staging file $1 next to
// the destination, created new (noclobber) with nothing for group and
// others (umask 077) so no one can open it while the data arrives, then
// installTail puts it in place.
const writeScript = `set -e
stage=$1 dst=$2 owner=$3 mode=$4 backup=$5
trap 'rm -f -- "$stage"' EXIT
(umask 077; set -C; cat > "$stage")
` + installTail

// stageScript only writes stdin to the new staging file $1 (as
// writeScript does), for a validate command to look at before
// installScript puts it in place.
const stageScript = `set -e
trap 'rm -f -- "$1"' EXIT
(umask 077; set -C; cat > "$1")
trap - EXIT`

// attrScript sets owner ($2, may be empty) and then mode ($3) of $1; the
// mode comes last because chown clears setuid and setgid bits.
const attrScript = `set -e
if [ -n "$2" ]; then chown -- "$2" "$1"; fi
chmod -- "$3" "$1"`

// Now is the clock of backup names; tests replace it.
var Now = time.Now

// BackupName is where a backup of p taken at t goes, as Ansible names it
// without the process id: /etc/x.conf.2024-05-01@13:45:10~.
func BackupName(p string, t time.Time) string {
	return p + "." + t.Format("2006-01-02@15:04:05") + "~"
}

// Apply makes the change: new content is written to a staging file next to
// the destination, given its owner and mode, and renamed over the old file
// (after a backup copy when asked), all in one command with the content on
// its stdin (two round trips); a validate command runs between staging and
// renaming (four). A change of attributes alone is one chown and chmod
// command (one round trip). It returns the backup's path, or "".
func (ch *Change) Apply(ctx context.Context, conn transport.Conn) (backup string, err error) {
	if !ch.Changed() {
		return "", nil
	}
	cur := ch.Cur
	mode := ch.DefaultMode
	switch {
	case ch.Attrs.Mode != nil:
		mode = *ch.Attrs.Mode
	case cur.Exists():
		mode = cur.Info.Mode
	}
	modeArg := strconv.FormatUint(uint64(Unix(mode)), 8)
	if !ch.ContentChanged {
		owner := ""
		if ch.attrChanged("owner") || ch.attrChanged("group") {
			owner = ownerSpec(Attrs{Owner: ch.Attrs.Owner, Group: ch.Attrs.Group}, nil)
		}
		return "", run(ctx, conn, "setting owner and mode of "+cur.Real, "/bin/sh", "-c", attrScript, "sh", cur.Real, owner, modeArg)
	}

	stage := path.Join(path.Dir(cur.Real), "."+path.Base(cur.Real)+".runbook-"+hostfs.Nonce())
	owner := ownerSpec(ch.Attrs, nil)
	if cur.Exists() {
		owner = ownerSpec(ch.Attrs, cur.Info)
	}
	wantBackup := ""
	if ch.Attrs.Backup && cur.Exists() {
		wantBackup = BackupName(cur.Real, Now())
	}
	script := writeScript
	if len(ch.Attrs.Validate) > 0 {
		// The new content is staged, validated, then put in place: three
		// commands (the validate command sees the staged file).
		res, err := conn.Exec(ctx, &transport.Cmd{Argv: []string{"/bin/sh", "-c", stageScript, "sh", stage},
			Stdin: bytes.NewReader(ch.Content), Env: map[string]string{"LC_ALL": "C"}})
		if err == nil && res.RC != 0 {
			err = &module.CommandError{Argv: []string{"write", stage}, RC: res.RC, Stderr: string(res.Stderr), Msg: "staging the new " + cur.Real}
		}
		if err != nil {
			return "", fmt.Errorf("writing %s: %w", cur.Real, err)
		}
		if err := ch.validate(ctx, conn, stage); err != nil {
			_, _ = conn.Exec(context.WithoutCancel(ctx), &transport.Cmd{Argv: []string{"rm", "-f", "--", stage}})
			return "", err
		}
		script = installScript
	}
	cmd := &transport.Cmd{Argv: []string{"/bin/sh", "-c", script, "sh", stage, cur.Real, owner, modeArg, wantBackup},
		Env: map[string]string{"LC_ALL": "C"}}
	if script == writeScript {
		cmd.Stdin = bytes.NewReader(ch.Content)
	}
	res, err := conn.Exec(ctx, cmd)
	if err != nil {
		// The connection broke: try to leave no staged file behind.
		_, _ = conn.Exec(context.WithoutCancel(ctx), &transport.Cmd{Argv: []string{"rm", "-f", "--", stage}})
		return "", fmt.Errorf("writing %s: %w", cur.Real, err)
	}
	if res.RC != 0 {
		return "", &module.CommandError{Argv: []string{"install", cur.Real}, RC: res.RC, Stderr: string(res.Stderr), Msg: "putting the new " + cur.Real + " in place"}
	}
	return strings.TrimSuffix(string(res.Stdout), "\n"), nil
}

func (ch *Change) attrChanged(name string) bool {
	for _, it := range ch.AttrItems {
		if it.Name == name {
			return true
		}
	}
	return false
}

// validate runs the validate command on the staged file.
func (ch *Change) validate(ctx context.Context, conn transport.Conn, stage string) error {
	if len(ch.Attrs.Validate) == 0 {
		return nil
	}
	argv := make([]string, len(ch.Attrs.Validate))
	shown := make([]string, len(argv))
	for i, a := range ch.Attrs.Validate {
		argv[i] = strings.ReplaceAll(a, "%s", stage)
		shown[i] = strings.ReplaceAll(a, "%s", "NEW-FILE")
	}
	res, err := conn.Exec(ctx, &transport.Cmd{Argv: argv})
	if err != nil {
		return fmt.Errorf("validating the new %s: %w", ch.Cur.Real, err)
	}
	if res.RC != 0 {
		stderr := string(res.Stderr)
		if stderr == "" {
			stderr = string(res.Stdout) // visudo -c reports on stdout
		}
		return &module.CommandError{Argv: shown, RC: res.RC, Stderr: stderr,
			Msg: "the new " + ch.Cur.Real + " failed validation (" + strings.Join(shown, " ") + "); the old file was kept"}
	}
	return nil
}

func run(ctx context.Context, conn transport.Conn, what string, argv ...string) error {
	res, err := conn.Exec(ctx, &transport.Cmd{Argv: argv, Env: map[string]string{"LC_ALL": "C"}})
	if err != nil {
		return err
	}
	if res.RC != 0 {
		return &module.CommandError{Argv: argv, RC: res.RC, Stderr: string(res.Stderr), Msg: what}
	}
	return nil
}
