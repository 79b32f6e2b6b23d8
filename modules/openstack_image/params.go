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
	if p.action == "find" {
		return p, nil
	}
	if p.diskFormat == "" {
		p.diskFormat = "qcow2"
	}
	if p.containerFormat == "" {
		p.containerFormat = "bare"
	}
	if p.oldImage == "" {
		p.oldImage = "keep"
	}
	if p.name == "" || p.file == "" {
		return nil, fmt.Errorf("name and file are required to create an image") // the rules catch it first
	}
	return p, nil
}
