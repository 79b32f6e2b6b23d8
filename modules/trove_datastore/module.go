package trovedatastore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/db/v1/datastores"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/modules/internal/openstack"
	"github.com/runbook-dev/runbook/modules/internal/openstack/trove/mgmt"
)

// Name is the block type of the module in a task.
const Name = "trove_datastore"

// Module is the trove_datastore module.
type Module struct{}

// New returns the module.
func New() module.Module { return Module{} }

var versionType = cty.Object(map[string]cty.Type{
	"id": cty.String, "name": cty.String, "manager": cty.String, "image": cty.String,
	"image_tags": cty.List(cty.String), "packages": cty.List(cty.String), "active": cty.Bool, "default": cty.Bool,
})

var datastoreType = cty.Object(map[string]cty.Type{
	"id": cty.String, "name": cty.String, "default_version": cty.String, "default_version_id": cty.String,
	"versions": cty.List(cty.String), "version_ids": cty.Map(cty.String), "image_ids": cty.Map(cty.String),
	"parameter_counts": cty.Map(cty.Number),
})

var outputsType = func() cty.Type {
	attrs := map[string]cty.Type{"version": versionType, "datastores": cty.List(datastoreType)}
	for k, v := range datastoreType.AttributeTypes() {
		attrs[k] = v
	}
	return cty.Object(attrs)
}()

var argsSpec = openstack.Merge(openstack.ConnectionSpec(), hcldec.ObjectSpec{
	"action":     &hcldec.AttrSpec{Name: "action", Type: cty.String},
	"datastore":  &hcldec.AttrSpec{Name: "datastore", Type: cty.String},
	"version":    &hcldec.AttrSpec{Name: "version", Type: cty.String},
	"manager":    &hcldec.AttrSpec{Name: "manager", Type: cty.String},
	"image":      &hcldec.AttrSpec{Name: "image", Type: cty.String},
	"image_tags": &hcldec.AttrSpec{Name: "image_tags", Type: cty.List(cty.String)},
	"packages":   &hcldec.AttrSpec{Name: "packages", Type: cty.List(cty.String)},
	"active":     &hcldec.AttrSpec{Name: "active", Type: cty.Bool},
	"default":    &hcldec.AttrSpec{Name: "default", Type: cty.Bool},
})

// Schema returns the arguments and outputs.
var rules = []module.Rule{
	module.OneOf("action", "read", "version"),
	module.When("action", []string{"version"}, module.Required("datastore", "version"), module.AtLeastOneOf("image", "image_tags")),
}

func (Module) Schema() *module.Schema {
	return &module.Schema{Args: argsSpec, Rules: rules, Outputs: outputsType, Summary: summary,
		Doc: doc + "## Connection\n\n" + openstack.ConnectionDoc, Example: example}
}

type params struct {
	action, datastore, version, manager, image string
	imageTags, packages                        []string
	active                                     bool
	isDefault                                  *bool // nil: leave as it is
}

func parse(args cty.Value) (*params, error) {
	p := &params{
		action: openstack.Str(args, "action"), datastore: openstack.Str(args, "datastore"),
		version: openstack.Str(args, "version"), manager: openstack.Str(args, "manager"),
		image: openstack.Str(args, "image"), imageTags: openstack.Strings(args, "image_tags"),
		packages: openstack.Strings(args, "packages"),
		active:   openstack.Bool(args, "active", true),
	}
	if d := args.GetAttr("default"); !d.IsNull() {
		b := d.True()
		p.isDefault = &b
	}
	switch p.action {
	case "", "read":
		p.action = "read"
	case "version":
		if p.datastore == "" || p.version == "" {
			return nil, errors.New(`action = "version" needs datastore and version`)
		}
		if p.image == "" && len(p.imageTags) == 0 {
			return nil, fmt.Errorf("datastore version %s %s needs image or image_tags", p.datastore, p.version)
		}
		if p.manager == "" {
			p.manager = p.datastore
		}
	default:
		return nil, fmt.Errorf("action = %q: must be read or version", p.action)
	}
	return p, nil
}

type planned struct {
	p        *params
	existing *mgmt.DatastoreVersion
}

func client(ctx context.Context, req *module.Request) (*gophercloud.ServiceClient, error) {
	cloud, err := openstack.ConnectFor(ctx, req)
	if err != nil {
		return nil, err
	}
	return cloud.Database()
}

// Plan reads; it never writes.
func (Module) Plan(ctx context.Context, req *module.PlanRequest) *module.PlanResponse {
	p, err := parse(req.Args)
	if err != nil {
		return &module.PlanResponse{Err: err}
	}
	sc, err := client(ctx, &req.Request)
	if err != nil {
		return &module.PlanResponse{Err: err}
	}
	if p.action == "read" {
		out, err := read(ctx, sc, p.datastore, nil)
		if err != nil {
			return &module.PlanResponse{Err: err}
		}
		return &module.PlanResponse{Action: module.NoOp, Reason: "read", Outputs: out}
	}
	v, err := findVersion(ctx, sc, p.datastore, p.version)
	if err != nil {
		return &module.PlanResponse{Err: err}
	}
	pl := &planned{p: p, existing: v}
	if v == nil {
		img := p.image
		if img == "" {
			img = "tags " + strings.Join(p.imageTags, ",")
		}
		return &module.PlanResponse{Action: module.Change, Reason: fmt.Sprintf("register datastore version %s %s", p.datastore, p.version),
			Diff: (&module.Diff{}).Add(module.DiffItem{Name: "version " + p.datastore + " " + p.version, BeforeAbsent: true,
				After: fmt.Sprintf("manager %s, image %s, active %t, default %t", p.manager, img, p.active, p.isDefault != nil && *p.isDefault)}),
			Private: pl}
	}
	if d := versionDiff(p, v); d != nil {
		return &module.PlanResponse{Action: module.Change, Reason: fmt.Sprintf("update datastore version %s %s (%s)", p.datastore, p.version, v.ID), Diff: d, Private: pl}
	}
	out, err := read(ctx, sc, p.datastore, v)
	if err != nil {
		return &module.PlanResponse{Err: err}
	}
	return &module.PlanResponse{Action: module.NoOp, Reason: fmt.Sprintf("datastore version %s %s (%s) is as asked", p.datastore, p.version, v.ID), Outputs: out}
}

func versionDiff(p *params, v *mgmt.DatastoreVersion) *module.Diff {
	var d *module.Diff
	add := func(name, before, after string) {
		if before != after {
			d = d.Add(module.DiffItem{Name: name, Before: before, After: after})
		}
	}
	add("manager", v.DatastoreManager, p.manager)
	if p.image != "" {
		add("image", v.Image, p.image)
	}
	if p.imageTags != nil {
		add("image_tags", strings.Join(v.ImageTags, ","), strings.Join(p.imageTags, ","))
	}
	if p.packages != nil {
		add("packages", strings.Join(nonEmpty(v.Packages), ","), strings.Join(p.packages, ","))
	}
	add("active", fmt.Sprint(v.Active), fmt.Sprint(p.active))
	if p.isDefault != nil {
		add("default", fmt.Sprint(v.Default), fmt.Sprint(*p.isDefault))
	}
	return d
}

func nonEmpty(ss []string) []string {
	return slices.DeleteFunc(slices.Clone(ss), func(s string) bool { return s == "" })
}

func findVersion(ctx context.Context, sc *gophercloud.ServiceClient, datastore, version string) (*mgmt.DatastoreVersion, error) {
	pages, err := mgmt.ListDatastoreVersions(sc).AllPages(ctx)
	if err != nil {
		err = openstack.Wrap("listing datastore versions (management API)", err)
		if s := openstack.StatusOf(err); s == http.StatusForbidden || s == http.StatusUnauthorized {
			err = fmt.Errorf("%w; the management API needs an admin cloud", err)
		}
		return nil, err
	}
	vs, err := mgmt.ExtractDatastoreVersions(pages)
	if err != nil {
		return nil, err
	}
	for i := range vs {
		if (vs[i].DatastoreName == datastore || vs[i].DatastoreID == datastore) && vs[i].Name == version {
			return &vs[i], nil
		}
	}
	return nil, nil
}

// Apply registers or updates the version.
func (Module) Apply(ctx context.Context, req *module.ApplyRequest) *module.ApplyResponse {
	pl, ok := req.Planned.Private.(*planned)
	if !ok {
		return &module.ApplyResponse{Err: errors.New("trove_datastore: apply without a plan")}
	}
	p := pl.p
	sc, err := client(ctx, &req.Request)
	if err != nil {
		return &module.ApplyResponse{Err: err}
	}
	what := fmt.Sprintf("datastore version %s %s", p.datastore, p.version)
	if pl.existing == nil {
		err = mgmt.CreateDatastoreVersion(ctx, sc, mgmt.CreateDatastoreVersionOpts{
			Name: p.version, DatastoreName: p.datastore, DatastoreManager: p.manager, Image: p.image,
			ImageTags: p.imageTags, Packages: p.packages, Active: p.active, Default: p.isDefault != nil && *p.isDefault,
		}).ExtractErr()
		if err != nil {
			return &module.ApplyResponse{Err: openstack.Wrap("registering "+what, err)}
		}
	} else {
		v := pl.existing
		o := mgmt.UpdateDatastoreVersionOpts{Active: &p.active, Default: p.isDefault}
		if p.manager != v.DatastoreManager {
			o.DatastoreManager = &p.manager
		}
		if p.image != "" {
			o.Image = &p.image
		}
		o.ImageTags, o.Packages = p.imageTags, p.packages
		if err := mgmt.UpdateDatastoreVersion(ctx, sc, v.ID, o).ExtractErr(); err != nil {
			return &module.ApplyResponse{Err: openstack.Wrap(fmt.Sprintf("updating %s (%s)", what, v.ID), err)}
		}
	}
	v, err := findVersion(ctx, sc, p.datastore, p.version)
	if err == nil && v == nil {
		err = fmt.Errorf("%s was accepted but is not listed afterwards", what)
	}
	if err != nil {
		return &module.ApplyResponse{Changed: true, Err: err}
	}
	if d := versionDiff(p, v); d != nil {
		var names []string
		for _, it := range d.Items {
			names = append(names, fmt.Sprintf("%s is %q", it.Name, it.Before))
		}
		return &module.ApplyResponse{Changed: true, Err: fmt.Errorf("%s was accepted but differs afterwards: %s", what, strings.Join(names, ", "))}
	}
	out, err := read(ctx, sc, p.datastore, v)
	return &module.ApplyResponse{Changed: true, Outputs: out, Err: err}
}

// versionDetail is a version as GET /datastores/{id}/versions shows it (the
// image only to an admin).
type versionDetail struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Image  string `json:"image"`
	Active any    `json:"active"`
}

// read renders the datastore (or all of them) as outputs; v, when set, is
// the version the task is about.
func read(ctx context.Context, sc *gophercloud.ServiceClient, datastore string, v *mgmt.DatastoreVersion) (cty.Value, error) {
	pages, err := datastores.List(sc).AllPages(ctx)
	if err != nil {
		return cty.NilVal, openstack.Wrap("listing Trove datastores", err)
	}
	all, err := datastores.ExtractDatastores(pages)
	if err != nil {
		return cty.NilVal, err
	}
	var vals []cty.Value
	var one cty.Value
	for _, ds := range all {
		if datastore != "" && ds.Name != datastore && ds.ID != datastore {
			continue
		}
		vp, err := datastores.ListVersions(sc, ds.ID).AllPages(ctx)
		if err != nil {
			return cty.NilVal, openstack.Wrap("listing versions of datastore "+ds.Name, err)
		}
		var s struct {
			Versions []versionDetail `json:"versions"`
		}
		if err := vp.(datastores.VersionPage).ExtractInto(&s); err != nil {
			return cty.NilVal, err
		}
		names, ids, images := []string{}, map[string]string{}, map[string]string{}
		params := map[string]cty.Value{}
		defName := ""
		for _, x := range s.Versions {
			if datastore != "" {
				// The configuration parameters Trove validates configuration
				// groups against (loaded by db_load_datastore_config_parameters):
				// none loaded means every configuration group is refused.
				n, err := parameterCount(ctx, sc, x.ID)
				if err != nil {
					return cty.NilVal, openstack.Wrap(fmt.Sprintf("listing configuration parameters of %s %s", ds.Name, x.Name), err)
				}
				params[x.Name] = cty.NumberIntVal(int64(n))
			}
			names = append(names, x.Name)
			ids[x.Name] = x.ID
			if x.Image != "" {
				images[x.Name] = x.Image
			}
			if x.ID == ds.DefaultVersion {
				defName = x.Name
			}
		}
		val := cty.ObjectVal(map[string]cty.Value{
			"id": cty.StringVal(ds.ID), "name": cty.StringVal(ds.Name),
			"default_version": cty.StringVal(defName), "default_version_id": cty.StringVal(ds.DefaultVersion),
			"versions": openstack.StringListVal(names), "version_ids": openstack.StringMapVal(ids), "image_ids": openstack.StringMapVal(images),
			"parameter_counts": numberMap(params),
		})
		vals = append(vals, val)
		if datastore != "" {
			one = val
		}
	}
	if datastore != "" && one == cty.NilVal {
		return cty.NilVal, fmt.Errorf("no Trove datastore %q", datastore)
	}
	list := cty.ListValEmpty(datastoreType)
	if len(vals) > 0 {
		list = cty.ListVal(vals)
	}
	attrs := map[string]cty.Value{"datastores": list, "version": cty.NullVal(versionType)}
	for k, ty := range datastoreType.AttributeTypes() {
		if one == cty.NilVal {
			attrs[k] = cty.NullVal(ty)
		} else {
			attrs[k] = one.GetAttr(k)
		}
	}
	if v != nil {
		attrs["version"] = cty.ObjectVal(map[string]cty.Value{
			"id": cty.StringVal(v.ID), "name": cty.StringVal(v.Name), "manager": cty.StringVal(v.DatastoreManager),
			"image": cty.StringVal(v.Image), "image_tags": openstack.StringListVal(v.ImageTags),
			"packages": openstack.StringListVal(nonEmpty(v.Packages)), "active": cty.BoolVal(v.Active), "default": cty.BoolVal(v.Default),
		})
	}
	return cty.ObjectVal(attrs), nil
}

func numberMap(m map[string]cty.Value) cty.Value {
	if len(m) == 0 {
		return cty.MapValEmpty(cty.Number)
	}
	return cty.MapVal(m)
}

// parameterCount is how many configuration parameters a version has
// (GET /datastores/versions/{id}/parameters).
func parameterCount(ctx context.Context, sc *gophercloud.ServiceClient, versionID string) (int, error) {
	var s struct {
		Parameters []json.RawMessage `json:"configuration-parameters"`
	}
	resp, err := sc.Get(ctx, sc.ServiceURL("datastores", "versions", versionID, "parameters"), &s, nil)
	if _, _, err := gophercloud.ParseResponse(resp, err); err != nil {
		return 0, err
	}
	return len(s.Parameters), nil
}
