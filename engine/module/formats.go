package module

import (
	"errors"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Formats of string arguments shared by modules; a module may declare its
// own Format for what only it knows.
var (
	// Duration is Go's duration syntax: "30s", "5m", "1h30m".
	Duration = Format{Name: `a duration like "30s" or "5m"`, Bad: "soon", Check: func(s string) error {
		d, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("%q is not a duration", s)
		}
		if d < 0 {
			return errors.New("a duration cannot be negative")
		}
		return nil
	}}
	// FileMode is an octal permission mode: "0644", "755", "01777".
	FileMode = Format{Name: `an octal file mode like "0644"`, Bad: "rw-r--r--", Check: func(s string) error {
		if s == "" || len(s) > 5 {
			return fmt.Errorf("%q is not an octal mode", s)
		}
		m, err := strconv.ParseUint(s, 8, 32)
		if err != nil || m > 0o7777 {
			return fmt.Errorf("%q is not an octal mode", s)
		}
		return nil
	}}
	// AbsPath is an absolute, clean-enough path on a host.
	AbsPath = Format{Name: "an absolute path", Bad: "relative/path", Check: func(s string) error {
		if !path.IsAbs(s) {
			return fmt.Errorf("%q is not absolute", s)
		}
		if strings.ContainsRune(s, 0) {
			return errors.New("a path cannot hold a NUL byte")
		}
		return nil
	}}
	// Regexp is a Go (RE2) regular expression.
	Regexp = Format{Name: "a regular expression (RE2 syntax)", Bad: "([", Check: func(s string) error {
		_, err := regexp.Compile(s)
		return err
	}}
	// HTTPURL is an http:// or https:// URL with a host.
	HTTPURL = Format{Name: "an http:// or https:// URL", Bad: "ftp://example.org/", Check: func(s string) error {
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("%q is not an http:// or https:// URL", s)
		}
		return nil
	}}
	// NonEmpty is any string but the empty (or blank) one.
	NonEmpty = Format{Name: "a non-empty string", Bad: " ", Check: func(s string) error {
		if strings.TrimSpace(s) == "" {
			return errors.New("it is empty")
		}
		return nil
	}}
)
