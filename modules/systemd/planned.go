package systemd

import (
	"bufio"
	"bytes"
	"path"
	"sort"
	"strings"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/modules/internal/hostfs"
)

// The systemd module in a check's planned state (module.View): a unit is
// looked up as the instances the task depends on would leave it. A unit
// file that a copy or template before it plans (a "file/..." fact, read
// with hostfs's meaning) makes a unit that is not there yet exist, loaded
// as systemd will load it; a changed unit file or drop-in makes a loaded
// unit need a daemon-reload; a systemd task before it leaves its units
// started, enabled... ("unit/ID" facts), and a daemon-reload, explicit or
// the one enable and disable imply, clears every unit's need for one (a
// "unit" fact).

// unitNamespace is the first part of the keys of unit facts.
const unitNamespace = "unit"

func unitKey(id string) string { return unitNamespace + "/" + id }

// plannedUnit is the Value of a "unit/ID" fact: the unit after a planned
// systemd task.
type plannedUnit struct {
	ActiveState, SubState, UnitFileState string
	NeedDaemonReload                     bool
}

// daemonReloaded is the Value of the "unit" fact: systemd reloads its
// unit files.
type daemonReloaded struct{}

// unitDirs are where unit files are looked for, in systemd's order (the
// parts of the system search path a runbook writes to).
var unitDirs = []string{"/etc/systemd/system", "/run/systemd/system", "/usr/local/lib/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system"}

// candidateFiles are the unit files that would define u: the one systemd
// loaded, or, for a unit it does not know, its name (and its template's,
// for an instance) in every unit directory.
func candidateFiles(u *unit) []string {
	if u.FragmentPath != "" {
		return []string{u.FragmentPath}
	}
	names := []string{u.ID}
	if at := strings.Index(u.ID, "@"); at > 0 {
		if dot := strings.LastIndex(u.ID, "."); dot > at+1 {
			names = append(names, u.ID[:at+1]+u.ID[dot:])
		}
	}
	var out []string
	for _, d := range unitDirs {
		for _, n := range names {
			out = append(out, d+"/"+n)
		}
	}
	return out
}

// plannedUnits lays the view's facts over the units systemd reported. It
// returns the units as the run will find them, each a copy.
func plannedUnits(view module.View, units []*unit) ([]*unit, error) {
	out := make([]*unit, len(units))
	for i, real := range units {
		u := *real
		out[i] = &u
		if view == nil {
			continue
		}
		files := candidateFiles(real)
		keys := []string{unitKey(u.ID)}
		for _, f := range files {
			keys = append(keys, hostfs.Key(f))
		}
		for _, d := range dropInDirs {
			keys = append(keys, hostfs.Key(d+"/"+u.ID+".d")+"/") // and what is in it
		}
		facts, err := view.Planned(keys...)
		if err != nil {
			return nil, err
		}
		var fragment []byte // planned content of the unit file, when known
		for _, f := range facts {
			switch v := f.Value.(type) {
			case daemonReloaded:
				if f.Key != unitNamespace {
					continue
				}
				u.NeedDaemonReload = false
				u.plannedDropIns = nil
				if fragment != nil && u.UnitFileState != "enabled" {
					u.UnitFileState = unitFileState(fragment)
				}
			case plannedUnit:
				if f.Key != unitKey(u.ID) {
					continue
				}
				u.ActiveState, u.SubState, u.UnitFileState = v.ActiveState, v.SubState, v.UnitFileState
				u.NeedDaemonReload = v.NeedDaemonReload
				u.ActiveEnter, u.ActiveEnterMono = "", ""
			case hostfs.Planned:
				p := hostfs.PathOf(f.Key)
				switch {
				case contains(files, p):
					if err := u.fragmentPlanned(p, v, f.From); err != nil {
						return nil, err
					}
					if v.Kind == "file" && !v.KeepContent {
						fragment = v.Content
					}
				case strings.HasSuffix(p, ".conf") && v.Kind != "absent" && !v.KeepContent && u.LoadState == "loaded":
					// A drop-in systemd knows changed: it says so; a new
					// one it has not seen (plan looks for those).
					if contains(u.DropInPaths, p) {
						u.NeedDaemonReload = true
					} else if !contains(u.plannedDropIns, p) {
						u.plannedDropIns = append(u.plannedDropIns, p)
					}
				}
			}
		}
	}
	return out, nil
}

// fragmentPlanned changes u for a planned change of its unit file at p.
func (u *unit) fragmentPlanned(p string, v hostfs.Planned, from string) error {
	switch {
	case v.Kind == "":
		return module.NotYet(&hostfs.UnknownError{Path: p, From: from})
	case v.KeepContent:
		return nil // owner or mode only
	case v.Kind == "absent":
		if u.LoadState == "loaded" && u.keptLoaded() {
			u.NeedDaemonReload = true
		}
		return nil
	case v.Kind != "file":
		return nil
	}
	if u.LoadState == "not-found" {
		// systemd loads a unit it did not know from its new file.
		u.LoadState, u.ActiveState, u.SubState = "loaded", "inactive", "dead"
		u.UnitFileState = unitFileState(v.Content)
		u.CanReload = hasExecReload(v.Content)
		u.FragmentPath = p
		u.NeedDaemonReload = false
		return nil
	}
	// A loaded unit whose file changes needs a daemon-reload, if systemd
	// keeps it loaded; an idle unit nothing refers to is loaded afresh
	// from the new file by the next look.
	if u.keptLoaded() {
		u.NeedDaemonReload = true
	} else {
		u.CanReload = hasExecReload(v.Content)
		if u.UnitFileState != "enabled" {
			u.UnitFileState = unitFileState(v.Content)
		}
	}
	return nil
}

// keptLoaded reports whether systemd keeps the unit in memory between two
// looks: it is not idle, or another unit refers to it.
func (u *unit) keptLoaded() bool {
	switch u.ActiveState {
	case "inactive", "":
		return u.Referenced
	}
	return true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// unitFileState is the UnitFileState systemd gives a unit file with this
// content and no enablement links: "disabled" when its [Install] section
// says where it goes, "indirect" with only Also=, else "static".
func unitFileState(content []byte) string {
	install := unitKeys(content, "Install")
	for _, k := range []string{"WantedBy", "RequiredBy", "UpheldBy", "Alias"} {
		if install[k] {
			return "disabled"
		}
	}
	if install["Also"] {
		return "indirect"
	}
	return "static"
}

func hasExecReload(content []byte) bool { return unitKeys(content, "Service")["ExecReload"] }

// unitKeys lists the keys set to something in one section of a unit file.
func unitKeys(content []byte, section string) map[string]bool {
	keys := map[string]bool{}
	cur := ""
	sc := bufio.NewScanner(bytes.NewReader(content))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
		case line[0] == '[' && strings.HasSuffix(line, "]"):
			cur = line[1 : len(line)-1]
		case cur == section:
			if k, v, ok := strings.Cut(line, "="); ok && strings.TrimSpace(v) != "" {
				keys[strings.TrimSpace(k)] = true
			}
		}
	}
	return keys
}

// plannedGlobMatches are the unit files the view plans in the unit
// directories whose names match a glob, as list-unit-files would list
// them once they are there.
func plannedGlobMatches(view module.View, pat string) ([]string, error) {
	if view == nil {
		return nil, nil
	}
	keys := make([]string, len(unitDirs))
	for i, d := range unitDirs {
		keys[i] = hostfs.Key(d) + "/" // and what is in it
	}
	facts, err := view.Planned(keys...)
	if err != nil {
		return nil, err
	}
	there := map[string]bool{}
	for _, f := range facts {
		v, ok := f.Value.(hostfs.Planned)
		if !ok {
			continue
		}
		p := hostfs.PathOf(f.Key)
		name := path.Base(p)
		if !contains(unitDirs, path.Dir(p)) || isTemplate(name) {
			continue
		}
		if ok, _ := path.Match(pat, name); ok {
			there[name] = v.Kind != "absent"
		}
	}
	var out []string
	for n, ok := range there {
		if ok {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out, nil
}

// facts are what the plan leaves for the plans after it: a daemon-reload
// (also the one enable and disable do), then each unit's new state.
func (p *plan) facts() []module.Fact {
	var out []module.Fact
	reload := p.daemonReload
	for _, up := range p.units {
		reload = reload || up.enable != ""
	}
	if reload {
		out = append(out, module.Fact{Key: unitNamespace, Value: daemonReloaded{}})
	}
	for _, up := range p.units {
		if up.enable == "" && up.action == "" {
			continue
		}
		u := up.before
		after := plannedUnit{ActiveState: afterState(up), SubState: u.SubState, UnitFileState: u.UnitFileState, NeedDaemonReload: u.NeedDaemonReload && !reload}
		switch up.action {
		case "start", "restart", "reload":
			after.SubState = "" // running, exited...: the unit's business
		case "stop":
			after.SubState = "dead"
		}
		switch up.enable {
		case "enable":
			after.UnitFileState = "enabled"
		case "disable":
			after.UnitFileState = "disabled"
		}
		out = append(out, module.Fact{Key: unitKey(u.ID), Value: after})
	}
	return out
}
