package filediff

import (
	"context"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module"
	modargs "github.com/runbook-dev/runbook/modules/internal/args"
	"github.com/runbook-dev/runbook/modules/internal/hostfs"
)

// DefaultMode is the mode of a new file when no mode is asked for.
const DefaultMode fs.FileMode = 0o644

// AttrArgs returns the owner, group and mode arguments, to be merged into a
// module's own spec. For a module that writes content, it adds backup and
// validate too. AttrRules are their checks.
func AttrArgs(content bool) hcldec.ObjectSpec {
	s := hcldec.ObjectSpec{
		"owner": &hcldec.AttrSpec{Name: "owner", Type: cty.String},
		"group": &hcldec.AttrSpec{Name: "group", Type: cty.String},
		"mode":  &hcldec.AttrSpec{Name: "mode", Type: cty.String},
	}
	if content {
		s["backup"] = &hcldec.AttrSpec{Name: "backup", Type: cty.Bool}
		s["validate"] = &hcldec.AttrSpec{Name: "validate", Type: cty.List(cty.String)}
	}
	return s
}

// AttrRules returns the rules of the arguments of AttrArgs.
func AttrRules(content bool) []module.Rule {
	r := []module.Rule{
		module.Formatted("owner", ownerName),
		module.Formatted("group", ownerName),
		module.Formatted("mode", modeFormat),
	}
	if content {
		r = append(r, module.Formatted("validate", module.NonEmpty), validateHasFile{})
	}
	return r
}

// ownerName is a user or group, by name or number.
var ownerName = module.Format{Name: "a user or group name or number", Bad: "-root", Check: func(s string) error {
	if s == "" || strings.ContainsAny(s, ": \t\n\x00") || strings.HasPrefix(s, "-") {
		return fmt.Errorf("%q is not one: it must be non-empty, start with no \"-\" and hold no \":\" or whitespace", s)
	}
	return nil
}}

// modeFormat is ParseMode's syntax.
var modeFormat = module.Format{Name: `3 or 4 octal digits, such as "0644"`, Bad: "rw-r--r--", Check: func(s string) error {
	_, err := ParseMode(s)
	return err
}}

// validateHasFile: validate is a command that names the new file as %s.
type validateHasFile struct{}

func (validateHasFile) Check(args cty.Value) []*module.ArgError {
	v := modargs.Attr(args, "validate")
	if !v.IsWhollyKnown() || v.IsNull() {
		return nil
	}
	for it := v.ElementIterator(); it.Next(); {
		if _, e := it.Element(); !e.IsNull() && strings.Contains(e.AsString(), "%s") {
			return nil
		}
	}
	return []*module.ArgError{{Path: cty.GetAttrPath("validate"), Summary: "Invalid value for validate",
		Detail: `validate is a command that checks the new file before it replaces the old one; "%s" in it stands for the new file, e.g. validate = ["visudo", "-cf", "%s"].`}}
}

func (validateHasFile) Doc() string {
	return "`validate` names the new file as `%s`, e.g. `[\"visudo\", \"-cf\", \"%s\"]`."
}

func (validateHasFile) Broken(func(string) string) map[string]string {
	return map[string]string{"validate": `["true"]`}
}

// ParseMode reads an octal mode such as "0644", "644" or "2775". Symbolic
// modes (u+x) are not accepted: a file's mode is declared whole.
func ParseMode(s string) (fs.FileMode, error) {
	if len(s) < 3 || len(s) > 4 {
		return 0, fmt.Errorf("mode %q must be 3 or 4 octal digits, such as \"0644\" (write it as a string: 0644 without quotes is the number 644)", s)
	}
	n, err := strconv.ParseUint(s, 8, 32)
	if err != nil {
		return 0, fmt.Errorf("mode %q is not an octal number such as \"0644\"", s)
	}
	return FromUnix(uint32(n)), nil
}

// FromUnix converts permission and setuid/setgid/sticky bits to an
// fs.FileMode.
func FromUnix(n uint32) fs.FileMode {
	m := fs.FileMode(n & 0o777)
	if n&0o4000 != 0 {
		m |= fs.ModeSetuid
	}
	if n&0o2000 != 0 {
		m |= fs.ModeSetgid
	}
	if n&0o1000 != 0 {
		m |= fs.ModeSticky
	}
	return m
}

// Unix is the inverse of FromUnix: the permission and special bits of m.
func Unix(m fs.FileMode) uint32 {
	n := uint32(m.Perm())
	if m&fs.ModeSetuid != 0 {
		n |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		n |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		n |= 0o1000
	}
	return n
}

// FormatMode renders the permission and special bits as "0644".
func FormatMode(m fs.FileMode) string { return fmt.Sprintf("%04o", Unix(m)) }

// Attrs are the owner, group and mode a module was asked for; empty or nil
// fields leave the file's as they are (a new file gets the connecting
// user's and DefaultMode).
type Attrs struct {
	Owner, Group string
	Mode         *fs.FileMode
	Backup       bool
	// Validate is a command run on the staged new file ("%s" in it is its
	// path) before it replaces the old one; a non-zero exit stops the write.
	Validate []string
}

// ReadAttrs reads the arguments of AttrArgs from a decoded module block.
func ReadAttrs(args cty.Value) Attrs {
	var a Attrs
	a.Owner = modargs.Str(args, "owner")
	a.Group = modargs.Str(args, "group")
	if s := modargs.Str(args, "mode"); s != "" {
		if m, err := ParseMode(s); err == nil {
			a.Mode = &m
		}
	}
	if args.Type().IsObjectType() && args.Type().HasAttribute("backup") {
		if v := args.GetAttr("backup"); !v.IsNull() {
			a.Backup = v.True()
		}
	}
	if args.Type().IsObjectType() && args.Type().HasAttribute("validate") {
		if v := args.GetAttr("validate"); !v.IsNull() {
			for it := v.ElementIterator(); it.Next(); {
				_, e := it.Element()
				a.Validate = append(a.Validate, e.AsString())
			}
		}
	}
	return a
}

// ownerMatches reports whether the file's owner (or group) is want, given
// as a name or a number.
func ownerMatches(want, name string, id int) bool {
	if n, err := strconv.Atoi(want); err == nil {
		return n == id
	}
	return want == name
}

// AttrDiff compares the attributes of an existing file with the asked ones
// and returns the items that differ (owner, group, mode), in that order.
func AttrDiff(fi *hostfs.FileInfo, want Attrs) []module.DiffItem {
	var items []module.DiffItem
	if want.Owner != "" && !ownerMatches(want.Owner, fi.Owner, fi.UID) {
		items = append(items, module.DiffItem{Name: "owner", Before: fi.Owner, After: want.Owner})
	}
	if want.Group != "" && !ownerMatches(want.Group, fi.Group, fi.GID) {
		items = append(items, module.DiffItem{Name: "group", Before: fi.Group, After: want.Group})
	}
	if want.Mode != nil && Unix(fi.Mode) != Unix(*want.Mode) {
		items = append(items, module.DiffItem{Name: "mode", Before: FormatMode(fi.Mode), After: FormatMode(*want.Mode)})
	}
	return items
}

// NewAttrDiff lists the attributes a new file will get: the asked ones.
func NewAttrDiff(want Attrs, defaultMode fs.FileMode) []module.DiffItem {
	var items []module.DiffItem
	if want.Owner != "" {
		items = append(items, module.DiffItem{Name: "owner", BeforeAbsent: true, After: want.Owner})
	}
	if want.Group != "" {
		items = append(items, module.DiffItem{Name: "group", BeforeAbsent: true, After: want.Group})
	}
	mode := defaultMode
	if want.Mode != nil {
		mode = *want.Mode
	}
	items = append(items, module.DiffItem{Name: "mode", BeforeAbsent: true, After: FormatMode(mode)})
	return items
}

// Lookups are the user and group names a change to want would look up
// (numbers need none): a module hands them to its FS (WillLookUp) before
// it reads the file, so that the one probe of the file asks for them too.
func (a Attrs) Lookups() []hostfs.Lookup {
	var ls []hostfs.Lookup
	if _, err := strconv.Atoi(a.Owner); a.Owner != "" && err != nil {
		ls = append(ls, hostfs.Lookup{DB: "passwd", Name: a.Owner})
	}
	if _, err := strconv.Atoi(a.Group); a.Group != "" && err != nil {
		ls = append(ls, hostfs.Lookup{DB: "group", Name: a.Group})
	}
	return ls
}

// CheckOwners makes sure the user and group that a change would give a
// file exist on the host, so that a plan does not promise a chown that
// must fail. Only names that differ from the file's current ones (fi may
// be nil for a new file) are looked up.
func CheckOwners(ctx context.Context, fsys *hostfs.FS, fi *hostfs.FileInfo, want Attrs) error {
	if want.Owner != "" && (fi == nil || !ownerMatches(want.Owner, fi.Owner, fi.UID)) {
		if err := lookup(ctx, fsys, "passwd", want.Owner); err != nil {
			return err
		}
	}
	if want.Group != "" && (fi == nil || !ownerMatches(want.Group, fi.Group, fi.GID)) {
		if err := lookup(ctx, fsys, "group", want.Group); err != nil {
			return err
		}
	}
	return nil
}

func lookup(ctx context.Context, fsys *hostfs.FS, db, name string) error {
	if _, err := strconv.Atoi(name); err == nil {
		return nil // any number is a valid id
	}
	ok, err := fsys.LookUp(ctx, hostfs.Lookup{DB: db, Name: name})
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("no %s named %q on the host", map[string]string{"passwd": "user", "group": "group"}[db], name)
	}
	return nil
}

// ownerSpec is the argument of chown for want, falling back to the
// existing file's numeric ids; empty when nothing is to be set.
func ownerSpec(want Attrs, old *hostfs.FileInfo) string {
	owner, group := want.Owner, want.Group
	if old != nil {
		if owner == "" {
			owner = strconv.Itoa(old.UID)
		}
		if group == "" {
			group = strconv.Itoa(old.GID)
		}
	}
	switch {
	case owner != "" && group != "":
		return owner + ":" + group
	case owner != "":
		return owner
	case group != "":
		return ":" + group
	}
	return ""
}
