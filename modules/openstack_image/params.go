package openstackimage

import (
	"fmt"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/modules/internal/openstack"
)

type params struct {
	action          string
	name            string
	file            string
	diskFormat      string
	containerFormat string
	visibility      string
	oldImage        string
	properties      map[string]string
	tags            []string
	minDisk, minRAM int
	timeout         time.Duration
}

func parse(args cty.Value) (*params, error) {
	p := &params{
		action:          openstack.Str(args, "action"),
		name:            openstack.Str(args, "name"),
		file:            openstack.Str(args, "file"),
		diskFormat:      openstack.Str(args, "disk_format"),
		containerFormat: openstack.Str(args, "container_format"),
		visibility:      openstack.Str(args, "visibility"),
		oldImage:        openstack.Str(args, "old_image"),
		properties:      openstack.StringMap(args, "properties"),
		tags:            openstack.Strings(args, "tags"),
		minDisk:         openstack.Int(args, "min_disk", 0),
		minRAM:          openstack.Int(args, "min_ram", 0),
	}
	var err error
	if p.timeout, err = openstack.Duration(args, "timeout", 30*time.Minute); err != nil {
		return nil, err
	}
	if p.action == "" {
		p.action = "create"
	}
	switch p.action {
	case "find":
		if p.name == "" && len(p.tags) == 0 {
			return nil, fmt.Errorf("action = \"find\" needs name or tags")
		}
		return p, nil
	case "create":
	default:
		return nil, fmt.Errorf("action = %q: must be create or find", p.action)
	}
	if p.name == "" {
		return nil, fmt.Errorf("name is required to create an image")
	}
	if p.file == "" {
		return nil, fmt.Errorf("file is required to create image %q", p.name)
	}
	if p.diskFormat == "" {
		p.diskFormat = "qcow2"
	}
	if p.containerFormat == "" {
		p.containerFormat = "bare"
	}
	switch p.visibility { // "" leaves an existing image's as it is; new ones are private
	case "", "private", "shared", "community", "public":
	default:
		return nil, fmt.Errorf("visibility = %q: must be private, shared, community or public", p.visibility)
	}
	if p.oldImage == "" {
		p.oldImage = "keep"
	}
	switch p.oldImage {
	case "keep", "rename", "deactivate":
	default:
		return nil, fmt.Errorf("old_image = %q: must be keep, rename or deactivate", p.oldImage)
	}
	return p, nil
}
