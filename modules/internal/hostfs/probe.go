package hostfs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"sync"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/transport"
)

// A plan that looks at a path asks several things about it (what it is,
// where its links lead, its directory, its content, whether the owner it
// wants exists): one command answers them all (a probe), and the FS keeps
// the answers, so a plan costs one round trip to the host however many
// questions it asks. An FS made for one plan (or one apply) must not be
// asked again after the host changed: make a new one (For, New).

// MaxProbeContent is the largest file a probe returns the content of;
// bigger ones are read by ReadFile (SFTP) when asked.
const MaxProbeContent = 1 << 20

// Lookup is a user ("passwd") or group ("group") name a plan will look up.
type Lookup struct{ DB, Name string }

// probeScript answers, each field ended by a NUL and led by a status
// character: lstat of $1 (0 or 1 + stat's output or error), its link
// target when it is a link (empty otherwise), stat -L of $1, readlink -m
// of $1, stat -L of $2 (the directory), then getent for each of the $5
// "db:name" arguments after $6, and last the content of $1 when $3 is 1
// and it is a regular file of at most $4 bytes ("C" + content; "N" when
// not read). The exit status is cat's (a read that failed is retried by
// ReadFile). Arguments after the lookups are a command (PrefetchThen),
// run with "T", the marker $6 and a newline before its output when $1 does
// not exist, $2 is a directory and every lookup found its name; its stdin
// waits for that line (transport.Cmd.StdinAfter).
const probeScript = `p=$1 dir=$2 content=$3 max=$4 n=$5 m=$6; shift 6
F='%f	%u	%g	%U	%G	%s	%Y'
if o=$(stat -c "$F" -- "$p" 2>&1); then printf '0%s\0' "$o"; else printf '1%s\0' "$o"; fi
printf '0'; if [ -L "$p" ]; then readlink -z -- "$p" 2>/dev/null || printf '\0'; else printf '\0'; fi
if o=$(stat -L -c "$F" -- "$p" 2>&1); then printf '0%s\0' "$o"; else printf '1%s\0' "$o"; fi
printf '0'; readlink -m -z -- "$p" 2>/dev/null || printf '\0'
if o=$(stat -L -c "$F" -- "$dir" 2>&1); then printf '0%s\0' "$o"; else printf '1%s\0' "$o"; fi
known=1
while [ "$n" -gt 0 ]; do
  l=$1; shift; n=$((n-1))
  if o=$(getent "${l%%:*}" "${l#*:}"); then printf '0%s\0' "$o"; else printf '%s\0' "$?"; known=0; fi
done
if [ "$content" = 1 ] && [ -f "$p" ] && [ "$(stat -L -c %s -- "$p" 2>/dev/null || echo x)" -le "$max" ] 2>/dev/null; then
  printf C; exec cat -- "$p"
fi
printf N
if [ "$#" -gt 0 ] && [ "$known" = 1 ] && ! [ -e "$p" ] && ! [ -L "$p" ] && [ -d "$dir" ]; then
  printf 'T%s\n' "$m"; exec "$@"
fi`

// probeArgv is the command that probes p (see probeScript), asking for
// lookups, then, with a marker, running then.
func probeArgv(p string, content bool, lookups []Lookup, marker string, then []string) []string {
	flag := "0"
	if content {
		flag = "1"
	}
	argv := []string{"/bin/sh", "-c", probeScript, "sh", p, path.Dir(p), flag, fmt.Sprint(MaxProbeContent), fmt.Sprint(len(lookups)), marker}
	for _, l := range lookups {
		argv = append(argv, l.DB+":"+l.Name)
	}
	return append(argv, then...)
}

// answer is what the host said to one question.
type answer struct {
	fi  *FileInfo
	s   string
	b   []byte
	ok  bool
	err error
	// unread: the probe asked for the content and could not bring it
	// (too big, or cat failed): ReadFile reads it the transport's way.
	unread bool
}

// probes is an FS's memory of the host's answers, by question and path.
type probes struct {
	mu      sync.Mutex
	answers map[string]answer
	pending []Lookup
}

func qkey(q, p string) string { return q + "\x00" + p }

func (pr *probes) get(q, p string) (answer, bool) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	a, ok := pr.answers[qkey(q, p)]
	return a, ok
}

func (pr *probes) put(q, p string, a answer) {
	if pr.answers == nil {
		pr.answers = map[string]answer{}
	}
	pr.answers[qkey(q, p)] = a
}

// WillLookUp says a plan will look these users or groups up (LookUp): the
// next probe of a path asks for them too.
func (f *FS) WillLookUp(ls ...Lookup) {
	f.pr.mu.Lock()
	defer f.pr.mu.Unlock()
	for _, l := range ls {
		if _, ok := f.pr.answers[qkey("getent "+l.DB, l.Name)]; !ok && l.Name != "" {
			f.pr.pending = append(f.pr.pending, l)
		}
	}
}

// Prefetch asks the host everything about p in one command (see probe),
// with its content when content is true, unless the FS knows it already.
func (f *FS) Prefetch(ctx context.Context, p string, content bool) error {
	return f.probe(ctx, path.Clean(p), content)
}

func (f *FS) probe(ctx context.Context, p string, content bool) error {
	if _, ok := f.pr.get("lstat", p); ok {
		if _, ok := f.pr.get("content", p); ok || !content {
			return nil
		}
	}
	f.pr.mu.Lock()
	lookups := f.pr.pending
	f.pr.pending = nil
	f.pr.mu.Unlock()
	argv := probeArgv(p, content, lookups, "", nil)
	res, err := f.Conn.Exec(ctx, &transport.Cmd{Argv: argv, Env: cLocale})
	if err != nil {
		return err
	}
	_, _, err = f.keep(p, content, lookups, argv, res, false)
	return err
}

// keep parses res's output, a probe's answers about p, and keeps them.
// With withThen it ran a command too (PrefetchThen): ran says whether its command ran,
// and rest is that command's output.
func (f *FS) keep(p string, content bool, lookups []Lookup, argv []string, res *transport.Result, withThen bool) (ran bool, rest []byte, err error) {
	dir := path.Dir(p)
	out := res.Stdout
	field := func() (string, bool) {
		i := bytes.IndexByte(out, 0)
		if i < 1 {
			return "", false
		}
		v := string(out[:i])
		out = out[i+1:]
		return v, true
	}
	var fields []string
	for range 5 + len(lookups) {
		v, ok := field()
		if !ok {
			return false, nil, &module.CommandError{Argv: argv[:3], RC: res.RC, Stderr: string(res.Stderr), Msg: "looking at " + p}
		}
		fields = append(fields, v)
	}
	statOf := func(v, p string) answer {
		if v[0] == '0' {
			fi, err := parseStat(p, []byte(v[1:]))
			if err != nil {
				return answer{err: fmt.Errorf("stat %s: %w", p, err)}
			}
			return answer{fi: fi}
		}
		return answer{err: statError(p, v[1:], nil)}
	}
	f.pr.mu.Lock()
	defer f.pr.mu.Unlock()
	lst := statOf(fields[0], p)
	if lst.err == nil && lst.fi.Mode&fs.ModeSymlink != 0 {
		if fields[1][1:] == "" {
			lst = answer{err: fmt.Errorf("reading link %s: failed", p)}
		} else {
			lst.fi.LinkTarget = fields[1][1:]
		}
	}
	f.pr.put("lstat", p, lst)
	st := statOf(fields[2], p)
	f.pr.put("stat", p, st)
	real := fields[3][1:]
	if real != "" {
		f.pr.put("real", p, answer{s: real})
		// What p resolves to is no link: its lstat is p's stat.
		if real != p && (st.err == nil || errors.Is(st.err, fs.ErrNotExist)) {
			ra := st
			if st.fi != nil {
				c := *st.fi
				c.Path = real
				ra = answer{fi: &c}
			}
			f.pr.put("lstat", real, ra)
			f.pr.put("stat", real, ra)
			f.pr.put("real", real, answer{s: real})
		}
	}
	f.pr.put("stat", dir, statOf(fields[4], dir))
	for i, l := range lookups {
		v := fields[5+i]
		a := answer{ok: v[0] == '0', s: strings.TrimSuffix(v[1:], "\n")}
		if !a.ok && v != "2" {
			a.err = &module.CommandError{Argv: []string{"getent", l.DB, l.Name}, RC: res.RC, Msg: "looking up " + l.Name}
		}
		f.pr.put("getent "+l.DB, l.Name, a)
	}
	if withThen && bytes.HasPrefix(out, []byte("NT")) {
		ran, rest, out = true, out[2:], out[:1]
	}
	if len(out) > 0 && out[0] == 'C' && res.RC == 0 {
		a := answer{b: out[1:]}
		f.pr.put("content", p, a)
		if real != "" {
			f.pr.put("content", real, a)
		}
	} else if content {
		switch {
		case st.err != nil && errors.Is(st.err, fs.ErrNotExist):
			f.pr.put("content", p, answer{err: fmt.Errorf("read %s: %w", p, fs.ErrNotExist)})
		case st.err == nil && !st.fi.Mode.IsRegular():
			f.pr.put("content", p, answer{err: fmt.Errorf("read %s: is a %s", p, st.fi.Type())})
		default:
			f.pr.put("content", p, answer{unread: true})
		}
	}
	return ran, rest, nil
}

// statError turns stat's message about p into an error wrapping
// fs.ErrNotExist or fs.ErrPermission when it says so.
func statError(p, msg string, argv []string) error {
	switch {
	case strings.Contains(msg, "No such file or directory"), strings.Contains(msg, "Not a directory"):
		return fmt.Errorf("stat %s: %w", p, fs.ErrNotExist)
	case strings.Contains(msg, "Permission denied"):
		return fmt.Errorf("stat %s: %w", p, fs.ErrPermission)
	}
	if argv == nil {
		argv = []string{"stat", "--", p}
	}
	return &module.CommandError{Argv: argv, RC: 1, Stderr: msg, Msg: "stat " + p}
}

// The host's answers, through the probe: each asks the host once per FS.

func (f *FS) hostLstat(ctx context.Context, p string) (*FileInfo, error) {
	p = path.Clean(p)
	a, ok := f.pr.get("lstat", p)
	if !ok {
		if err := f.probe(ctx, p, false); err != nil {
			return nil, err
		}
		a, _ = f.pr.get("lstat", p)
	}
	return copyInfo(a.fi), a.err
}

func (f *FS) hostStat(ctx context.Context, p string) (*FileInfo, error) {
	p = path.Clean(p)
	a, ok := f.pr.get("stat", p)
	if !ok {
		if err := f.probe(ctx, p, false); err != nil {
			return nil, err
		}
		a, _ = f.pr.get("stat", p)
	}
	return copyInfo(a.fi), a.err
}

func (f *FS) hostExists(ctx context.Context, p string) (bool, error) {
	_, err := f.hostStat(ctx, p)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, fs.ErrPermission):
		return false, nil // as test -e says
	}
	return false, err
}

func (f *FS) hostRealPath(ctx context.Context, p string) (string, error) {
	p = path.Clean(p)
	a, ok := f.pr.get("real", p)
	if !ok {
		if err := f.probe(ctx, p, false); err != nil {
			return "", err
		}
		if a, ok = f.pr.get("real", p); !ok {
			return realPath(ctx, f.Conn, p) // for its error
		}
	}
	return a.s, nil
}

func (f *FS) hostReadFile(ctx context.Context, p string) ([]byte, error) {
	p = path.Clean(p)
	a, ok := f.pr.get("content", p)
	if !ok {
		if err := f.probe(ctx, p, true); err != nil {
			return nil, err
		}
		a, ok = f.pr.get("content", p)
	}
	if ok && !a.unread {
		if a.err != nil {
			return nil, a.err
		}
		return bytes.Clone(a.b), nil
	}
	// Too big for a probe, or cat could not read it: the transport's own
	// way (SFTP, or cat through sudo). A missing file is fs.ErrNotExist
	// whether or not the transport's error says so (a Download run
	// through sudo may only report an exit status).
	if _, err := f.hostStat(ctx, p); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read %s: %w", p, fs.ErrNotExist)
	}
	var buf bytes.Buffer
	if err := f.Conn.Download(ctx, p, &buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// LookUp reports whether the host has a user ("passwd") or group
// ("group") of that name.
func (f *FS) LookUp(ctx context.Context, l Lookup) (bool, error) {
	a, ok := f.pr.get("getent "+l.DB, l.Name)
	if !ok {
		argv := []string{"getent", l.DB, l.Name}
		res, err := f.Conn.Exec(ctx, &transport.Cmd{Argv: argv, Env: cLocale})
		if err != nil {
			return false, err
		}
		switch res.RC {
		case 0:
			a = answer{ok: true, s: strings.TrimSpace(string(res.Stdout))}
		case 2:
		default:
			a.err = &module.CommandError{Argv: argv, RC: res.RC, Stderr: string(res.Stderr), Msg: "looking up " + l.Name}
		}
		f.pr.mu.Lock()
		f.pr.put("getent "+l.DB, l.Name, a)
		f.pr.mu.Unlock()
	}
	return a.ok, a.err
}

// lookUpEntry is LookUp's entry line (name:x:id:...), "" when none.
func (f *FS) lookUpEntry(ctx context.Context, l Lookup) string {
	if ok, err := f.LookUp(ctx, l); !ok || err != nil {
		return ""
	}
	a, _ := f.pr.get("getent "+l.DB, l.Name)
	return a.s
}

func copyInfo(fi *FileInfo) *FileInfo {
	if fi == nil {
		return nil
	}
	c := *fi
	return &c
}
