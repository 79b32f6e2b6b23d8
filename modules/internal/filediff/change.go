package filediff

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"strings"
	"unicode/utf8"

	"github.com/pmezard/go-difflib/difflib"
	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/modules/internal/hostfs"
)

// maxDiffBytes is the largest content shown as a unified diff; bigger
// files are summarized by size and checksum.
const maxDiffBytes = 1 << 20

// Change is what making a file hold Content with Attrs would do.
type Change struct {
	Cur     *Current
	Content []byte
	Attrs   Attrs
	// DefaultMode is the mode of a new file without Attrs.Mode.
	DefaultMode fs.FileMode
	// Sensitive hides the content (before and after) from the diff.
	Sensitive bool

	// Computed by Compare:
	ContentChanged bool
	AttrItems      []module.DiffItem
}

// Compare computes what writing content with want to cur would change.
func Compare(cur *Current, content []byte, want Attrs, sensitive bool) *Change {
	ch := &Change{Cur: cur, Content: content, Attrs: want, DefaultMode: DefaultMode, Sensitive: sensitive}
	if !cur.Exists() {
		ch.ContentChanged = true
		ch.AttrItems = NewAttrDiff(want, ch.DefaultMode)
		return ch
	}
	if cur.Big {
		ch.ContentChanged = cur.Checksum == "" || cur.Checksum != Checksum(content)
	} else {
		ch.ContentChanged = !bytes.Equal(cur.Content, content)
	}
	ch.AttrItems = AttrDiff(cur.Info, want)
	return ch
}

// Changed reports whether anything would change.
func (ch *Change) Changed() bool { return ch.ContentChanged || len(ch.AttrItems) > 0 }

// Reason is one line for the plan: "would create /etc/x", "would update
// /etc/x (content, mode)", or "/etc/x is up to date".
func (ch *Change) Reason() string {
	p := ch.Cur.Path
	switch {
	case !ch.Cur.Exists():
		return "would create " + p
	case !ch.Changed():
		return p + " is up to date"
	}
	var what []string
	if ch.ContentChanged {
		what = append(what, "content")
	}
	for _, it := range ch.AttrItems {
		what = append(what, it.Name)
	}
	return "would update " + p + " (" + strings.Join(what, ", ") + ")"
}

// Diff returns the --diff items: the file's creation, its content as a
// unified diff (or "(sensitive)") and the attribute changes.
func (ch *Change) Diff() *module.Diff {
	if !ch.Changed() {
		return nil
	}
	var d *module.Diff
	if !ch.Cur.Exists() {
		d = d.Add(module.DiffItem{Name: "file", BeforeAbsent: true, After: ch.Cur.Path})
	}
	switch {
	case !ch.ContentChanged:
	case ch.Cur.Big:
		d = d.Add(module.DiffItem{Name: "content", Before: fmt.Sprintf("(%d bytes)", ch.Cur.Info.Size), After: Summary(ch.Content), Sensitive: ch.Sensitive})
	default:
		d = d.Add(ContentItem(ch.Cur.Path, ch.Cur.Content, ch.Content, !ch.Cur.Exists(), ch.Sensitive))
	}
	for _, it := range ch.AttrItems {
		d = d.Add(it)
	}
	return d
}

// Planned is what the change leaves at the file, as the fact the plans
// after it read in a check (hostfs.Planned): its content (or, for owner
// and mode alone, the content it had), owner, group and mode.
func (ch *Change) Planned(fsys *hostfs.FS) []module.Fact {
	if !ch.Changed() {
		return nil
	}
	cur := ch.Cur
	st := hostfs.Planned{Kind: "file", ModeSet: true, Owner: ch.Attrs.Owner, Group: ch.Attrs.Group, UID: -1, GID: -1}
	switch {
	case ch.Attrs.Mode != nil:
		st.Mode = *ch.Attrs.Mode
	case cur.Exists():
		st.Mode = FromUnix(Unix(cur.Info.Mode))
	default:
		st.Mode = ch.DefaultMode
	}
	if cur.Exists() {
		// The new file gets the old one's owner and group (by number)
		// unless others are asked for.
		if st.Owner == "" {
			st.Owner, st.UID = knownName(cur.Info.Owner), cur.Info.UID
		}
		if st.Group == "" {
			st.Group, st.GID = knownName(cur.Info.Group), cur.Info.GID
		}
	}
	if ch.ContentChanged {
		st.Content = ch.Content
	} else {
		st.KeepContent = true
	}
	return []module.Fact{fsys.Plan(cur.Real, st)}
}

// PlannedBackup is the backup output of the change before Apply: "" when
// none would be made, unknown when one would (it is named after the time
// it is made).
func (ch *Change) PlannedBackup() cty.Value {
	if ch.Attrs.Backup && ch.Cur.Exists() && ch.ContentChanged {
		return cty.UnknownVal(cty.String)
	}
	return cty.StringVal("")
}

// knownName is a user or group name stat gave, or "" for stat's
// "UNKNOWN" (a number the host has no name for).
func knownName(s string) string {
	if s == "UNKNOWN" {
		return ""
	}
	return s
}

// ContentItem is the diff item of a file's content going from before to
// after: a unified diff for text, a size and checksum summary for binary
// or very large content, and no values at all when sensitive.
func ContentItem(p string, before, after []byte, created, sensitive bool) module.DiffItem {
	it := module.DiffItem{Name: "content", BeforeAbsent: created, Sensitive: sensitive}
	if sensitive {
		return it
	}
	if !isText(before) || !isText(after) || len(before) > maxDiffBytes || len(after) > maxDiffBytes {
		if !created {
			it.Before = Summary(before)
		}
		it.After = Summary(after)
		return it
	}
	it.Unified = Unified(p, before, after, created)
	return it
}

// Unified renders a unified diff of a file's content with 3 lines of
// context, headed "--- PATH (before)" / "+++ PATH (after)". A missing
// final newline is marked as diff(1) marks it.
func Unified(p string, before, after []byte, created bool) string {
	from := p + " (before)"
	if created {
		from = "/dev/null"
	}
	text, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A:        diffLines(before),
		B:        diffLines(after),
		FromFile: from,
		ToFile:   p + " (after)",
		Context:  3,
	})
	if err != nil {
		return ""
	}
	return text
}

// diffLines splits content into lines that each end in a newline; a last
// line without one gets "\ No newline at end of file" after it.
func diffLines(b []byte) []string {
	if len(b) == 0 {
		return nil
	}
	lines := strings.SplitAfter(string(b), "\n")
	if lines[len(lines)-1] == "" {
		return lines[:len(lines)-1]
	}
	lines[len(lines)-1] += "\n\\ No newline at end of file\n"
	return lines
}

func isText(b []byte) bool { return utf8.Valid(b) && !bytes.ContainsRune(b, 0) }

// Summary describes content without showing it: size and sha256.
func Summary(b []byte) string {
	return fmt.Sprintf("(%d bytes, sha256 %s)", len(b), Checksum(b)[:16])
}

// Checksum is the sha256 of b in hex.
func Checksum(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
