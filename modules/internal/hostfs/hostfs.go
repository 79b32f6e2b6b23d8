// Package hostfs lets modules look at a host's file system through a
// transport.Conn: whether a path exists, what it is (mode, owner, size,
// link target) and what a file holds.
//
// Modules read through an FS (fs.go): the host, and in a check the
// planned changes of the instances a plan depends on laid over it
// (module.View, facts under the "file" namespace, planned.go). A module
// that changes files says what it would leave as facts made here
// (PlanFile, PlanDir, ...), so every module reading that path after it
// sees the same planned file.
//
// What a plan asks the host about a path is asked in one command (a
// probe, probe.go: stat, readlink, the directory, user lookups, the
// content) whose answers the FS keeps, so a plan costs one round trip.
// Paths reach the host as arguments of a fixed script, never as shell
// text, so it works the same on the local transport and over SSH. It
// expects GNU coreutils on the host (stat -c, readlink -z).
// It only looks: writing files is each module's own business.
package hostfs

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"time"
)

// cLocale makes messages of the host's tools predictable to parse.
var cLocale = map[string]string{"LC_ALL": "C"}

// FileInfo describes a file on a host.
type FileInfo struct {
	Path    string
	Mode    fs.FileMode // type and permission bits, as in io/fs
	UID     int
	GID     int
	Owner   string // user name, or "UNKNOWN" when the host has none for UID
	Group   string // group name, or "UNKNOWN"
	Size    int64
	ModTime time.Time
	// LinkTarget is what a symlink points to (from Lstat only).
	LinkTarget string
	// Planned: not the host's file but what a plan before this one would
	// make of it (a check). UID/GID are then -1 and Owner/Group empty
	// where only a number, or only a name, is known.
	Planned bool
}

// IsDir reports whether the file is a directory.
func (fi *FileInfo) IsDir() bool { return fi.Mode.IsDir() }

// Type names the kind of file: "file", "directory", "link", "fifo",
// "socket", "char" or "block".
func (fi *FileInfo) Type() string {
	switch m := fi.Mode; {
	case m.IsDir():
		return "directory"
	case m&fs.ModeSymlink != 0:
		return "link"
	case m&fs.ModeNamedPipe != 0:
		return "fifo"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeCharDevice != 0:
		return "char"
	case m&fs.ModeDevice != 0:
		return "block"
	default:
		return "file"
	}
}

func parseStat(path string, out []byte) (*FileInfo, error) {
	f := strings.Split(string(bytes.TrimSuffix(out, []byte("\n"))), "\t")
	if len(f) != 7 {
		return nil, fmt.Errorf("unexpected output %q", out)
	}
	raw, err1 := strconv.ParseUint(f[0], 16, 32)
	uid, err2 := strconv.Atoi(f[1])
	gid, err3 := strconv.Atoi(f[2])
	size, err4 := strconv.ParseInt(f[5], 10, 64)
	mtime, err5 := strconv.ParseInt(f[6], 10, 64)
	if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
		return nil, fmt.Errorf("unexpected output %q: %w", out, err)
	}
	return &FileInfo{
		Path:    path,
		Mode:    modeFromUnix(uint32(raw)),
		UID:     uid,
		GID:     gid,
		Owner:   f[3],
		Group:   f[4],
		Size:    size,
		ModTime: time.Unix(mtime, 0),
	}, nil
}

// modeFromUnix converts a Linux st_mode to an fs.FileMode, as os.Stat does.
func modeFromUnix(m uint32) fs.FileMode {
	mode := fs.FileMode(m & 0o777)
	switch m & 0o170000 {
	case 0o060000:
		mode |= fs.ModeDevice
	case 0o020000:
		mode |= fs.ModeDevice | fs.ModeCharDevice
	case 0o040000:
		mode |= fs.ModeDir
	case 0o010000:
		mode |= fs.ModeNamedPipe
	case 0o120000:
		mode |= fs.ModeSymlink
	case 0o140000:
		mode |= fs.ModeSocket
	}
	if m&0o4000 != 0 {
		mode |= fs.ModeSetuid
	}
	if m&0o2000 != 0 {
		mode |= fs.ModeSetgid
	}
	if m&0o1000 != 0 {
		mode |= fs.ModeSticky
	}
	return mode
}
