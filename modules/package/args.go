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

// parse reads arguments that passed the module's rules (the engine checks
// them before Plan).
func parse(args cty.Value) (*params, error) {
	p := &params{state: "present", lockTimeout: 10 * time.Minute}
	var raw []string
	if v := attr(args, "name"); !v.IsNull() {
		raw = append(raw, v.AsString())
	}
	if v := attr(args, "names"); !v.IsNull() {
		for it := v.ElementIterator(); it.Next(); {
			if _, e := it.Element(); !e.IsNull() {
				raw = append(raw, e.AsString())
			}
		}
	}
	if len(raw) == 0 {
		return nil, errors.New("name or names is required")
	}
	for _, r := range raw {
		name, version, _ := strings.Cut(strings.TrimSpace(r), "=")
		if !nameRE.MatchString(name) || (version != "" && !versionRE.MatchString(version)) {
			return nil, fmt.Errorf("%q is not a Debian package name or name=version", r) // the rules catch it first
		}
		p.pkgs = append(p.pkgs, pkgSpec{name: name, version: version})
	}
	if v := attr(args, "state"); !v.IsNull() {
		p.state = v.AsString()
	}
	if v := attr(args, "update_cache"); !v.IsNull() {
		p.updateCache = v.True()
	}
	if v := attr(args, "purge"); !v.IsNull() {
		p.purge = v.True()
	}
	if v := attr(args, "install_recommends"); !v.IsNull() {
		b := v.True()
		p.installRecommends = &b
	}
	if v := attr(args, "lock_timeout"); !v.IsNull() {
		p.lockTimeout, _ = time.ParseDuration(v.AsString())
	}
	return p, nil
}

func attr(obj cty.Value, name string) cty.Value {
	if obj.IsNull() || !obj.Type().IsObjectType() || !obj.Type().HasAttribute(name) {
		return cty.NullVal(cty.DynamicPseudoType)
	}
	return obj.GetAttr(name)
}
