package systemd

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/transport"
)

// cLocale makes systemctl's output predictable to parse.
var cLocale = map[string]string{"LC_ALL": "C", "SYSTEMD_PAGER": "", "SYSTEMD_COLORS": "0"}

// unit is what systemd says about one unit.
type unit struct {
	ID               string // full name, e.g. "rb-ok.service"
	LoadState        string // loaded, not-found, masked, bad-setting, error
	ActiveState      string // active, inactive, failed, activating, deactivating, reloading
	SubState         string // running, dead, exited, ...
	UnitFileState    string // enabled, disabled, static, masked, indirect, ...
	ActiveEnter      string // ActiveEnterTimestamp, human form
	ActiveEnterMono  string // ActiveEnterTimestampMonotonic, for comparisons
	CanReload        bool
	NeedDaemonReload bool
	DropInPaths      []string // drop-in files systemd has loaded
	FragmentPath     string   // the unit file systemd loaded
	// Referenced: another loaded unit wants or needs it, so systemd keeps
	// it loaded even while it is idle.
	Referenced bool
	// plannedDropIns are drop-ins that tasks before this one plan and
	// systemd has not loaded (a check).
	plannedDropIns []string
}

// running reports whether the unit is up (or on its way up), so that
// "started" has nothing to do.
func (u *unit) running() bool {
	switch u.ActiveState {
	case "active", "reloading", "activating":
		return true
	}
	return false
}

// enabledState is the unit file state as the enabled argument sees it:
// "enabled", "disabled", or the state itself when enablement does not apply
// (static, indirect, generated, transient, alias, masked...).
func (u *unit) enabledState() string {
	switch u.UnitFileState {
	case "enabled", "enabled-runtime":
		return "enabled"
	case "disabled":
		return "disabled"
	case "":
		return "unknown"
	}
	return u.UnitFileState
}

var showProps = []string{
	"Id", "LoadState", "ActiveState", "SubState", "UnitFileState",
	"ActiveEnterTimestamp", "ActiveEnterTimestampMonotonic", "CanReload", "NeedDaemonReload", "DropInPaths",
	"FragmentPath", "WantedBy", "RequiredBy", "UpheldBy", "BoundBy", "TriggeredBy",
}

// systemctl runs systemctl with args and returns its stdout; a non-zero
// exit is a *module.CommandError saying what was being done.
func systemctl(ctx context.Context, conn transport.Conn, what string, args ...string) ([]byte, error) {
	argv := append([]string{"systemctl"}, args...)
	res, err := conn.Exec(ctx, &transport.Cmd{Argv: argv, Env: cLocale})
	if err != nil {
		return nil, err
	}
	if res.RC != 0 {
		return res.Stdout, &module.CommandError{Argv: argv, RC: res.RC, Stderr: string(res.Stderr), Msg: what}
	}
	return res.Stdout, nil
}

// show reads the state of the named units (full names), in order.
func show(ctx context.Context, conn transport.Conn, names []string) ([]*unit, error) {
	args := []string{"show", "--property=" + strings.Join(showProps, ","), "--"}
	out, err := systemctl(ctx, conn, "reading unit state", append(args, names...)...)
	if err != nil {
		return nil, err
	}
	units := parseShow(out)
	if len(units) != len(names) {
		return nil, fmt.Errorf("systemctl show returned %d units for %d names", len(units), len(names))
	}
	return units, nil
}

// parseShow parses `systemctl show` output: KEY=VALUE lines, one block per
// unit, blocks separated by an empty line.
func parseShow(out []byte) []*unit {
	var units []*unit
	var cur *unit
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			cur = nil
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		if cur == nil {
			cur = &unit{}
			units = append(units, cur)
		}
		switch k {
		case "Id":
			cur.ID = v
		case "LoadState":
			cur.LoadState = v
		case "ActiveState":
			cur.ActiveState = v
		case "SubState":
			cur.SubState = v
		case "UnitFileState":
			cur.UnitFileState = v
		case "ActiveEnterTimestamp":
			cur.ActiveEnter = v
		case "ActiveEnterTimestampMonotonic":
			cur.ActiveEnterMono = v
		case "CanReload":
			cur.CanReload = v == "yes"
		case "NeedDaemonReload":
			cur.NeedDaemonReload = v == "yes"
		case "DropInPaths":
			cur.DropInPaths = strings.Fields(v)
		case "FragmentPath":
			cur.FragmentPath = v
		case "WantedBy", "RequiredBy", "UpheldBy", "BoundBy", "TriggeredBy":
			cur.Referenced = cur.Referenced || strings.TrimSpace(v) != ""
		}
	}
	return units
}

// isGlob reports whether a unit pattern holds glob characters.
func isGlob(s string) bool { return strings.ContainsAny(s, "*?[") }

// isTemplate reports whether name is a template unit ("x@.service"), which
// cannot be started or shown by itself.
func isTemplate(name string) bool { return strings.Contains(name, "@.") }

// expand turns the patterns into unit names: a plain name is kept as
// written (systemd completes the suffix), a glob becomes every loaded unit
// and every unit file matching it (templates left out), sorted. A glob
// that matches nothing is an error naming the host.
func expand(ctx context.Context, conn transport.Conn, view module.View, host string, patterns []string) ([]string, error) {
	seen := map[string]bool{}
	var names []string
	add := func(n string) {
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	for _, pat := range patterns {
		if !isGlob(pat) {
			if isTemplate(pat) {
				return nil, fmt.Errorf("unit %s is a template: name an instance (e.g. %s) or a glob", pat, strings.Replace(pat, "@.", "@NAME.", 1))
			}
			add(pat)
			continue
		}
		// Both lists at once: the Conn runs sessions concurrently.
		var files []byte
		var ferr error
		done := make(chan struct{})
		go func() {
			defer close(done)
			files, ferr = systemctl(ctx, conn, "listing unit files matching "+pat, "list-unit-files", "--plain", "--no-legend", "--full", "--", pat)
		}()
		loaded, err := systemctl(ctx, conn, "listing units matching "+pat, "list-units", "--all", "--plain", "--no-legend", "--full", "--", pat)
		<-done
		if err != nil {
			return nil, err
		}
		if err := ferr; err != nil {
			// list-unit-files exits 1 when nothing matches on older systemd.
			if ce, ok := err.(*module.CommandError); !ok || len(bytes.TrimSpace(files)) != 0 || strings.TrimSpace(ce.Stderr) != "" {
				return nil, err
			}
		}
		planned, err := plannedGlobMatches(view, pat)
		if err != nil {
			return nil, err
		}
		var matched []string
		for _, n := range append(append(firstColumn(loaded), firstColumn(files)...), planned...) {
			if !isTemplate(n) {
				matched = append(matched, n)
			}
		}
		if len(matched) == 0 {
			return nil, fmt.Errorf("no unit matches %q on %s", pat, host)
		}
		sort.Strings(matched)
		for _, n := range matched {
			add(n)
		}
	}
	return names, nil
}

// firstColumn returns the first field of every non-empty line (list-units
// may prefix a line with a status mark such as "●").
func firstColumn(out []byte) []string {
	var names []string
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		n := f[0]
		if (n == "●" || n == "*") && len(f) > 1 {
			n = f[1]
		}
		names = append(names, n)
	}
	return names
}

// journal returns the last n lines of a unit's journal, for error messages.
func journal(ctx context.Context, conn transport.Conn, name string, n int) string {
	argv := []string{"journalctl", "-u", name, "-n", fmt.Sprint(n), "--no-pager", "--output=short"}
	res, err := conn.Exec(ctx, &transport.Cmd{Argv: argv, Env: cLocale})
	if err != nil {
		return "(could not read the journal: " + err.Error() + ")"
	}
	out := strings.TrimRight(string(res.Stdout), "\n")
	if res.RC != 0 && out == "" {
		return "(could not read the journal: " + module.Tail(string(res.Stderr), 2) + ")"
	}
	return out
}

// dropInDirs are where drop-ins of a unit live (/lib is /usr/lib on a
// merged-/usr system, and systemd reports the /usr/lib path).
var dropInDirs = []string{"/etc/systemd/system", "/run/systemd/system", "/usr/lib/systemd/system"}

// newDropIns returns the drop-in files on disk that systemd has not loaded
// for the given (loaded) units: systemd's NeedDaemonReload notices changed
// files it knows, but not a drop-in directory created after the unit was
// loaded.
func newDropIns(ctx context.Context, conn transport.Conn, units []*unit) ([]string, error) {
	var dirs []string
	loaded := map[string]bool{}
	for _, u := range units {
		if u.LoadState != "loaded" {
			continue
		}
		for _, p := range u.DropInPaths {
			loaded[p] = true
		}
		names := []string{u.ID}
		if at := strings.Index(u.ID, "@"); at > 0 {
			if dot := strings.LastIndex(u.ID, "."); dot > at {
				names = append(names, u.ID[:at+1]+u.ID[dot:]) // the template: devstack@.service
			}
		}
		for _, d := range dropInDirs {
			for _, n := range names {
				dirs = append(dirs, d+"/"+n+".d")
			}
		}
	}
	if len(dirs) == 0 {
		return nil, nil
	}
	argv := append([]string{"find"}, dirs...)
	argv = append(argv, "-maxdepth", "1", "-name", "*.conf", "-print")
	res, err := conn.Exec(ctx, &transport.Cmd{Argv: argv, Env: cLocale})
	if err != nil {
		return nil, err
	}
	// find exits 1 for the directories that do not exist; what it printed
	// is still right.
	var fresh []string
	for _, f := range strings.Split(strings.TrimSpace(string(res.Stdout)), "\n") {
		if f != "" && !loaded[f] {
			fresh = append(fresh, f)
		}
	}
	sort.Strings(fresh)
	return fresh, nil
}
