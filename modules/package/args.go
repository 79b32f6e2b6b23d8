package pkg

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/zclconf/go-cty/cty"
)

type params struct {
	pkgs              []pkgSpec
	state             string // present, absent, latest
	updateCache       bool
	purge             bool
	installRecommends *bool
	lockTimeout       time.Duration
}

// pkgSpec is one requested package: "name" or "name=version".
type pkgSpec struct {
	name    string // may carry an architecture: "libc6:i386"
	version string
}

func (s pkgSpec) String() string {
	if s.version != "" {
		return s.name + "=" + s.version
	}
	return s.name
}

var (
	nameRE    = regexp.MustCompile(`^[a-z0-9][a-z0-9+.-]+(:[a-z0-9-]+)?$`)
	versionRE = regexp.MustCompile(`^[0-9A-Za-z.+~:-]+$`)
)

func parse(args cty.Value) (*params, error) {
	p := &params{state: "present", lockTimeout: 10 * time.Minute}
	var raw []string
	if v := attr(args, "name"); !v.IsNull() {
		raw = append(raw, v.AsString())
	}
	if v := attr(args, "names"); !v.IsNull() {
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			if e.IsNull() {
				return nil, errors.New("names: null element")
			}
			raw = append(raw, e.AsString())
		}
	}
	if len(raw) == 0 {
		return nil, errors.New("name or names is required: the package(s) to manage")
	}
	seen := map[string]bool{}
	for _, r := range raw {
		name, version, _ := strings.Cut(strings.TrimSpace(r), "=")
		if !nameRE.MatchString(name) {
			return nil, fmt.Errorf("%q is not a Debian package name", r)
		}
		if strings.Contains(r, "=") && !versionRE.MatchString(version) {
			return nil, fmt.Errorf("%q: %q is not a package version", r, version)
		}
		if seen[name] {
			return nil, fmt.Errorf("package %s is named twice", name)
		}
		seen[name] = true
		p.pkgs = append(p.pkgs, pkgSpec{name: name, version: version})
	}
	if v := attr(args, "state"); !v.IsNull() {
		p.state = v.AsString()
	}
	switch p.state {
	case "present", "absent", "latest":
	default:
		return nil, fmt.Errorf("state = %q: must be present, absent or latest", p.state)
	}
	for _, s := range p.pkgs {
		if s.version != "" && p.state != "present" {
			return nil, fmt.Errorf("%s: a version goes with state = \"present\"", s)
		}
	}
	if v := attr(args, "update_cache"); !v.IsNull() {
		p.updateCache = v.True()
	}
	if v := attr(args, "purge"); !v.IsNull() {
		p.purge = v.True()
		if p.purge && p.state != "absent" {
			return nil, errors.New("purge goes with state = \"absent\"")
		}
	}
	if v := attr(args, "install_recommends"); !v.IsNull() {
		b := v.True()
		p.installRecommends = &b
	}
	if v := attr(args, "lock_timeout"); !v.IsNull() {
		d, err := time.ParseDuration(v.AsString())
		if err != nil || d < 0 {
			return nil, fmt.Errorf("lock_timeout = %q: not a duration (e.g. \"10m\")", v.AsString())
		}
		p.lockTimeout = d
	}
	return p, nil
}

func attr(obj cty.Value, name string) cty.Value {
	if obj.IsNull() || !obj.Type().IsObjectType() || !obj.Type().HasAttribute(name) {
		return cty.NullVal(cty.DynamicPseudoType)
	}
	return obj.GetAttr(name)
}
