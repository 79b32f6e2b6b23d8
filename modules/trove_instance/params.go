package troveinstance

import (
	"fmt"
	"slices"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/modules/internal/openstack"
	"github.com/runbook-dev/runbook/modules/internal/openstack/trove/instances"
	"github.com/runbook-dev/runbook/modules/internal/openstack/troveops"
)

type user struct {
	name, password, host string
	databases            []string
}

type params struct {
	action                          string
	id, name                        string
	flavor, volumeType              string
	volumeSize                      int
	datastore, datastoreVersion     string
	availabilityZone, configuration string
	databases, networks, status     []string
	users                           []user
	backup, rebuild                 string
	wait                            troveops.Wait
	waitEnabled                     bool
	confirm                         bool
	allProjects                     bool
	access                          *instances.Access
}

var actions = []string{"create", "find", "contents", "list", "upgrade", "rebuild", "restart", "delete"}

func parse(args cty.Value) (*params, error) {
	p := &params{
		action:           openstack.Str(args, "action"),
		id:               openstack.Str(args, "id"),
		name:             openstack.Str(args, "name"),
		flavor:           openstack.Str(args, "flavor"),
		volumeType:       openstack.Str(args, "volume_type"),
		volumeSize:       openstack.Int(args, "volume_size", 0),
		datastore:        openstack.Str(args, "datastore"),
		datastoreVersion: openstack.Str(args, "datastore_version"),
		availabilityZone: openstack.Str(args, "availability_zone"),
		configuration:    openstack.Str(args, "configuration"),
		databases:        openstack.Strings(args, "databases"),
		networks:         openstack.Strings(args, "networks"),
		status:           openstack.Strings(args, "status"),
		backup:           openstack.Str(args, "backup"),
		rebuild:          openstack.Str(args, "rebuild"),
		confirm:          openstack.Bool(args, "confirm", false),
		allProjects:      openstack.Bool(args, "all_projects", false),
		waitEnabled:      true,
	}
	if p.action == "" {
		p.action = "create"
		if p.rebuild != "" {
			p.action = "rebuild"
		}
	}
	if !slices.Contains(actions, p.action) {
		return nil, fmt.Errorf("action = %q: must be one of %v", p.action, actions) // the rules catch it first
	}
	if users := args.GetAttr("users"); !users.IsNull() {
		for it := users.ElementIterator(); it.Next(); {
			_, u := it.Element()
			p.users = append(p.users, user{
				name:      openstack.Str(u, "name"),
				password:  openstack.Str(u, "password"),
				host:      openstack.Str(u, "host"),
				databases: openstack.Strings(u, "databases"),
			})
		}
	}
	if a := args.GetAttr("access"); !a.IsNull() {
		p.access = &instances.Access{IsPublic: openstack.Bool(a, "is_public", false), AllowedCIDRs: openstack.Strings(a, "allowed_cidrs")}
	}
	if p.allProjects && p.action != "list" && p.action != "rebuild" {
		return nil, fmt.Errorf("all_projects is for action = \"list\" (rebuild always uses the management API)")
	}
	w := args.GetAttr("wait")
	def := 20 * time.Minute
	if p.action == "delete" {
		def = 10 * time.Minute
	}
	var err error
	if p.wait.Timeout, err = openstack.Duration(w, "timeout", def); err != nil {
		return nil, fmt.Errorf("wait: %w", err)
	}
	p.wait.Status = openstack.Str(w, "status")
	p.waitEnabled = openstack.Bool(w, "enabled", true)

	needInstance := func() error {
		if p.id == "" && p.name == "" {
			return fmt.Errorf("action = %q needs id or name", p.action)
		}
		return nil
	}
	switch p.action {
	case "create":
		if p.name == "" {
			return nil, fmt.Errorf("name is required to create an instance")
		}
		if p.flavor == "" {
			return nil, fmt.Errorf("flavor is required to create instance %q", p.name)
		}
		if p.volumeSize < 1 {
			return nil, fmt.Errorf("volume_size (GB, at least 1) is required to create instance %q", p.name)
		}
		for _, u := range p.users {
			if u.name == "" || u.password == "" {
				return nil, fmt.Errorf("every user of instance %q needs a name and a password", p.name)
			}
		}
	case "find", "restart", "delete":
		if err := needInstance(); err != nil {
			return nil, err
		}
	case "upgrade":
		if err := needInstance(); err != nil {
			return nil, err
		}
		if p.datastoreVersion == "" {
			return nil, fmt.Errorf("action = \"upgrade\" needs datastore_version")
		}
	case "rebuild":
		if err := needInstance(); err != nil {
			return nil, err
		}
		if p.rebuild == "" {
			return nil, fmt.Errorf("action = \"rebuild\" needs rebuild = the image id")
		}
	}
	return p, nil
}

// label names the instance the task is about, for messages.
func (p *params) label() string {
	switch {
	case p.id != "" && p.name != "":
		return fmt.Sprintf("%q (%s)", p.name, p.id)
	case p.id != "":
		return p.id
	}
	return fmt.Sprintf("%q", p.name)
}

// passwords are the users' passwords, to keep out of messages.
func (p *params) passwords() []string {
	var out []string
	for _, u := range p.users {
		out = append(out, u.password)
	}
	return out
}
