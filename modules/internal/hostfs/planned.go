package hostfs

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"sync"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/transport"
)

// Namespace is the first part of the keys of file facts: "file/etc/hosts".
const Namespace = "file"

// Key is the fact key of an absolute path: "file/srv/app" for /srv/app,
// "file" for /. (View.Planned(Key(p)+"/") asks for what is under p too.)
func Key(p string) string {
	p = path.Clean(p)
	if p == "/" {
		return Namespace
	}
	return Namespace + p
}

// PathOf is the path of a file fact's key: /srv/app for "file/srv/app".
func PathOf(key string) string {
	p := strings.TrimPrefix(key, Namespace)
	if p == "" {
		return "/"
	}
	return p
}

// Planned is what a plan says a path would be after Apply: the Value of a
// fact whose key is Key(path). It is the path's whole state after the
// change, worked out by the module from what it read (through an FS, so
// itself perhaps planned), except where it says "as the creator makes
// it" (Owner or Group empty, ModeSet false) or "as before" (KeepContent).
type Planned struct {
	// Kind is "file", "directory", "link" or "absent"; "" when the plan
	// knows only that something will be there (a command's creates).
	Kind string
	// Mode holds the permission and special bits; with ModeSet false the
	// creator's default applies (0777 &^ umask for a directory mkdir -p
	// makes).
	Mode    fs.FileMode
	ModeSet bool
	// Owner and Group are names or numbers; empty: the user (and that
	// user's group) the change runs as. UID and GID are the numbers when
	// known (-1 otherwise).
	Owner, Group string
	UID, GID     int
	// Content of a file; KeepContent says it does not change (owner or
	// mode only), so it is what it was before.
	Content     []byte
	KeepContent bool
	// Target of a link.
	Target string
	// Fresh: a directory this change makes, with nothing in it yet.
	Fresh bool

	creator *identity
}

// Plan makes the fact that path would be p after the change, as a plan
// run through f records it (PlanResponse.Planned).
func (f *FS) Plan(p string, st Planned) module.Fact {
	st.creator = f.ident()
	return module.Fact{Key: Key(p), Value: st}
}

// PlanAbsent is the fact that path would not exist (with anything under
// it).
func (f *FS) PlanAbsent(p string) module.Fact {
	return f.Plan(p, Planned{Kind: "absent", UID: -1, GID: -1})
}

// PlanSomething is the fact that something would be at path, nothing
// more: a command's creates. What reads it after cannot know more.
func (f *FS) PlanSomething(p string) module.Fact {
	return f.Plan(p, Planned{UID: -1, GID: -1})
}

// PlanMissingDirs returns the facts of the directories `mkdir -p dir`
// would make: dir and those of its parents that do not exist (through f),
// outermost first, each fresh, with the creator's owner and default mode.
func (f *FS) PlanMissingDirs(ctx context.Context, dir string) ([]module.Fact, error) {
	var missing []string
	for d := path.Clean(dir); d != "/"; d = path.Dir(d) {
		ok, err := f.Exists(ctx, d)
		if err != nil {
			return nil, err
		}
		if ok {
			break
		}
		missing = append(missing, d)
	}
	facts := make([]module.Fact, 0, len(missing))
	for i := len(missing) - 1; i >= 0; i-- {
		facts = append(facts, f.Plan(missing[i], Planned{Kind: "directory", Fresh: true, UID: -1, GID: -1}))
	}
	return facts, nil
}

// UnknownError says what a path will be is known only once an instance
// before this one has run (it planned the path without saying what it
// would hold). FS returns it as a module.NotYet error: the plan "cannot
// predict" in a check.
type UnknownError struct {
	Path string
	From string // the instance
}

func (e *UnknownError) Error() string {
	return fmt.Sprintf("what %s will be is known only after %s has run", e.Path, e.From)
}

// pathState is a path as facts leave it.
type pathState struct {
	absent  bool
	unknown *UnknownError
	st      Planned
	// content of a file; hostContent: it is the host's (KeepContent over
	// what the host has).
	content     []byte
	hostContent bool
}

// resolve folds the planned facts about p (and above it) in order. It
// returns nil when no fact decides p: the host does.
func (f *FS) resolve(ctx context.Context, p string) (*pathState, error) {
	if f.View == nil {
		return nil, nil
	}
	key := Key(p)
	facts, err := f.View.Planned(key)
	if err != nil {
		return nil, err
	}
	var cur *pathState
	for _, fact := range facts {
		v, ok := fact.Value.(Planned)
		if !ok {
			continue
		}
		switch {
		case fact.Key == key:
			next := &pathState{st: v}
			switch {
			case v.Kind == "absent":
				next.absent = true
			case v.Kind == "":
				next.unknown = &UnknownError{Path: p, From: fact.From}
			case v.Kind == "file" && v.KeepContent:
				switch {
				case cur == nil:
					next.hostContent = true
				case cur.unknown != nil:
					next.unknown = cur.unknown
				default:
					next.content, next.hostContent = cur.content, cur.hostContent
				}
			case v.Kind == "file":
				next.content = v.Content
			}
			cur = next
		case module.FactKeyAbove(fact.Key, key):
			// Something above p changes: p goes with a removed (or
			// replaced) tree, is not under a new empty directory, and
			// cannot be known under a link or an unknown thing.
			switch {
			case v.Kind == "absent", v.Kind == "file", v.Kind == "directory" && v.Fresh:
				cur = &pathState{absent: true}
			case v.Kind == "link", v.Kind == "":
				cur = &pathState{unknown: &UnknownError{Path: p, From: fact.From}}
			}
		}
	}
	return cur, nil
}

// info is the FileInfo of a planned path that exists.
func (f *FS) info(ctx context.Context, p string, s *pathState) (*FileInfo, error) {
	st := s.st
	fi := &FileInfo{Path: p, Owner: st.Owner, Group: st.Group, UID: st.UID, GID: st.GID, LinkTarget: st.Target, Planned: true}
	// An owner asked for by name or by number: the host's user database
	// gives the other half, as the host will show it.
	fi.Owner, fi.UID = f.completeID(ctx, "passwd", fi.Owner, fi.UID)
	fi.Group, fi.GID = f.completeID(ctx, "group", fi.Group, fi.GID)
	switch st.Kind {
	case "directory":
		fi.Mode = fs.ModeDir
	case "link":
		fi.Mode = fs.ModeSymlink | 0o777
	}
	if st.Kind == "file" {
		if s.hostContent {
			hfi, err := f.hostStat(ctx, p)
			if err != nil {
				return nil, err
			}
			fi.Size = hfi.Size
		} else {
			fi.Size = int64(len(s.content))
		}
	}
	if st.Kind == "link" {
		return fi, nil
	}
	var parent *FileInfo
	if st.Owner == "" || st.Group == "" || !st.ModeSet {
		// Made by the change as its user, in its parent: a setgid
		// directory passes on its group (and, to directories, the bit).
		var err error
		if parent, err = f.Stat(ctx, path.Dir(p)); err != nil {
			parent = nil
		}
	}
	if st.Owner == "" || st.Group == "" {
		id, err := st.creator.get(ctx)
		if err != nil {
			return nil, err
		}
		if st.Owner == "" && st.UID < 0 {
			fi.Owner, fi.UID = id.user, id.uid
		}
		if st.Group == "" && st.GID < 0 {
			fi.Group, fi.GID = id.group, id.gid
			if parent != nil && parent.Mode&fs.ModeSetgid != 0 {
				fi.Group, fi.GID = parent.Group, parent.GID
			}
		}
	}
	if st.ModeSet {
		fi.Mode |= st.Mode
	} else {
		id, err := st.creator.get(ctx)
		if err != nil {
			return nil, err
		}
		perm := fs.FileMode(0o666)
		if st.Kind == "directory" {
			perm = 0o777
		}
		fi.Mode |= perm &^ id.umask
		if st.Kind == "directory" && parent != nil && parent.Mode&fs.ModeSetgid != 0 {
			fi.Mode |= fs.ModeSetgid
		}
	}
	return fi, nil
}

// identity is who a change runs as on the host: the owner, group and
// umask of what it creates. Asked once, when a plan after it needs it.
type identity struct {
	conn transport.Conn
	once sync.Once
	id   *ident
	err  error
}

type ident struct {
	uid, gid    int
	user, group string
	umask       fs.FileMode
}

func (c *identity) get(ctx context.Context) (*ident, error) {
	if c == nil {
		return nil, fmt.Errorf("the user a planned change runs as is not known")
	}
	c.once.Do(func() { c.id, c.err = whoami(ctx, c.conn) })
	return c.id, c.err
}

// whoami asks the host who commands run as, and with what umask.
func whoami(ctx context.Context, conn transport.Conn) (*ident, error) {
	argv := []string{"/bin/sh", "-c", "id -u; id -g; id -un; id -gn; umask"}
	res, err := conn.Exec(ctx, &transport.Cmd{Argv: argv, Env: cLocale})
	if err != nil {
		return nil, err
	}
	if res.RC != 0 {
		return nil, &module.CommandError{Argv: argv, RC: res.RC, Stderr: string(res.Stderr), Msg: "asking who the task runs as"}
	}
	f := strings.Fields(string(res.Stdout))
	if len(f) != 5 {
		return nil, fmt.Errorf("asking who the task runs as: unexpected output %q", res.Stdout)
	}
	uid, err1 := strconv.Atoi(f[0])
	gid, err2 := strconv.Atoi(f[1])
	mask, err3 := strconv.ParseUint(f[4], 8, 32)
	if err1 != nil || err2 != nil || err3 != nil {
		return nil, fmt.Errorf("asking who the task runs as: unexpected output %q", res.Stdout)
	}
	return &ident{uid: uid, gid: gid, user: f[2], group: f[3], umask: fs.FileMode(mask) & 0o777}, nil
}

// completeID returns the name and number of a user (db "passwd") or group
// given by one of them, asking the host; what it cannot learn stays
// unknown ("" or -1).
func (f *FS) completeID(ctx context.Context, db, name string, id int) (string, int) {
	if n, err := strconv.Atoi(name); err == nil {
		name, id = "", n
	}
	if (name == "") == (id < 0) {
		return name, id // both known, or neither
	}
	key := name
	if key == "" {
		key = strconv.Itoa(id)
	}
	entry := f.lookUpEntry(ctx, Lookup{DB: db, Name: key})
	if entry == "" {
		return name, id
	}
	fields := strings.Split(entry, ":")
	if len(fields) < 3 {
		return name, id
	}
	n, err := strconv.Atoi(fields[2])
	if err != nil {
		return name, id
	}
	return fields[0], n
}
