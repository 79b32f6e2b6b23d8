package openstackimage

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/modules/internal/openstack"
)

// planned is what Plan hands to Apply.
type planned struct {
	p      *params
	sums   sums
	update *images.Image  // the matching image whose metadata differs
	others []images.Image // other images of that name (for old_image)
	later  bool           // the file did not exist at plan time
}

// Plan finds the images of that name and compares checksums; it never
// writes.
func (Module) Plan(ctx context.Context, req *module.PlanRequest) *module.PlanResponse {
	p, err := parse(req.Args)
	if err != nil {
		return &module.PlanResponse{Err: err}
	}
	p.file = req.LocalPath(p.file) // relative to the runbook folder
	sc, err := imageClient(ctx, &req.Request)
	if err != nil {
		return &module.PlanResponse{Err: err}
	}
	if p.action == "find" {
		found, err := find(ctx, sc, p)
		if err != nil {
			return &module.PlanResponse{Err: err}
		}
		if len(found) == 0 {
			return &module.PlanResponse{Err: fmt.Errorf("no image found (%s)", describeFilter(p))}
		}
		return &module.PlanResponse{Action: module.NoOp, Reason: fmt.Sprintf("%d image(s) found", len(found)), Outputs: outputs(&found[0], found)}
	}
	if _, err := os.Stat(p.file); errors.Is(err, fs.ErrNotExist) {
		// Likely made by an earlier task that has not run (check mode):
		// nothing to compare yet. Apply plans again once it exists.
		return &module.PlanResponse{Action: module.Unpredictable, Reason: fmt.Sprintf("%s does not exist yet", p.file), Private: &planned{p: p, later: true}}
	}
	return planCreate(ctx, sc, p)
}

// planCreate compares the file with the images of that name.
func planCreate(ctx context.Context, sc *gophercloud.ServiceClient, p *params) *module.PlanResponse {
	s, err := checksumFile(p.file)
	if err != nil {
		return &module.PlanResponse{Err: err}
	}
	same, err := listByName(ctx, sc, p.name)
	if err != nil {
		return &module.PlanResponse{Err: err}
	}
	var match *images.Image
	var others []images.Image
	for i := range same {
		img := &same[i]
		if match == nil && img.Status == images.ImageStatusActive && img.Checksum == s.MD5 && hashMatches(img, s) {
			match = img
			continue
		}
		others = append(others, *img)
	}
	pl := &planned{p: p, sums: s, others: others}
	if match != nil {
		diff := metadataDiff(p, match)
		if diff == nil {
			return &module.PlanResponse{Action: module.NoOp, Reason: fmt.Sprintf("image %s (%s) has the file's checksum", p.name, match.ID), Outputs: outputs(match, []images.Image{*match})}
		}
		pl.update = match
		return &module.PlanResponse{Action: module.Change, Reason: fmt.Sprintf("image %s (%s) has the file's checksum; its metadata differs", p.name, match.ID), Diff: diff, Private: pl}
	}
	diff := (&module.Diff{}).Add(module.DiffItem{Name: "image " + p.name, BeforeAbsent: true, After: fmt.Sprintf("%s, %s, md5 %s", p.file, mib(s.Size), s.MD5)})
	reason := fmt.Sprintf("no image %s with md5 %s: upload %s", p.name, s.MD5, mib(s.Size))
	if len(others) > 0 {
		var ids []string
		for _, o := range others {
			ids = append(ids, fmt.Sprintf("%s (md5 %s, %s)", o.ID, o.Checksum, o.Status))
			diff.Add(module.DiffItem{Name: "old image " + o.ID, Before: "name " + o.Name, After: oldImageAfter(p, &o)})
		}
		reason += "; other images of that name: " + strings.Join(ids, ", ") + "; old_image = " + p.oldImage
	}
	return &module.PlanResponse{Action: module.Change, Reason: reason, Diff: diff, Private: pl}
}

func oldImageAfter(p *params, o *images.Image) string {
	switch p.oldImage {
	case "rename":
		return "name " + renamed(p.name, o.ID)
	case "deactivate":
		return "deactivated"
	}
	return "name " + o.Name + " (kept)"
}

func renamed(name, id string) string {
	if len(id) > 8 {
		id = id[:8]
	}
	return name + "-old-" + id
}

func hashMatches(img *images.Image, s sums) bool {
	v, ok := img.Properties["os_hash_value"].(string)
	if !ok || v == "" {
		return true // older Glance: md5 only
	}
	algo, _ := img.Properties["os_hash_algo"].(string)
	if algo != "" && algo != "sha512" {
		return true // a hash this module does not compute
	}
	return v == s.SHA512
}

// metadataDiff compares what the task asks with what the image has; nil
// when equal. Properties the task does not name are left alone.
func metadataDiff(p *params, img *images.Image) *module.Diff {
	var d *module.Diff
	if p.visibility != "" && string(img.Visibility) != p.visibility {
		d = d.Add(module.DiffItem{Name: "visibility", Before: string(img.Visibility), After: p.visibility})
	}
	for _, k := range openstack.SortedKeys(p.properties) {
		have, ok := img.Properties[k]
		hs := fmt.Sprint(have)
		if !ok || hs != p.properties[k] {
			d = d.Add(module.DiffItem{Name: "property " + k, Before: hs, BeforeAbsent: !ok, After: p.properties[k]})
		}
	}
	if p.tags != nil {
		want := slices.Clone(p.tags)
		have := slices.Clone(img.Tags)
		sort.Strings(want)
		sort.Strings(have)
		want = slices.Compact(want)
		if !slices.Equal(want, have) {
			d = d.Add(module.DiffItem{Name: "tags", Before: strings.Join(have, ","), After: strings.Join(want, ",")})
		}
	}
	return d
}

func imageClient(ctx context.Context, req *module.Request) (*gophercloud.ServiceClient, error) {
	cloud, err := openstack.ConnectFor(ctx, req)
	if err != nil {
		return nil, err
	}
	return cloud.Image()
}

func listByName(ctx context.Context, sc *gophercloud.ServiceClient, name string) ([]images.Image, error) {
	pages, err := images.List(sc, images.ListOpts{Name: name, Sort: "created_at:desc"}).AllPages(ctx)
	if err != nil {
		return nil, openstack.Wrap(fmt.Sprintf("listing images named %q", name), err)
	}
	return images.ExtractImages(pages)
}

func find(ctx context.Context, sc *gophercloud.ServiceClient, p *params) ([]images.Image, error) {
	pages, err := images.List(sc, images.ListOpts{Name: p.name, Tags: p.tags, Sort: "created_at:desc"}).AllPages(ctx)
	if err != nil {
		return nil, openstack.Wrap("finding images ("+describeFilter(p)+")", err)
	}
	return images.ExtractImages(pages)
}

func describeFilter(p *params) string {
	var parts []string
	if p.name != "" {
		parts = append(parts, fmt.Sprintf("name %q", p.name))
	}
	if len(p.tags) > 0 {
		parts = append(parts, "tags "+strings.Join(p.tags, ","))
	}
	return strings.Join(parts, ", ")
}

func imageVal(img *images.Image) cty.Value {
	hv, _ := img.Properties["os_hash_value"].(string)
	return cty.ObjectVal(map[string]cty.Value{
		"id":            cty.StringVal(img.ID),
		"name":          cty.StringVal(img.Name),
		"status":        cty.StringVal(string(img.Status)),
		"checksum":      cty.StringVal(img.Checksum),
		"os_hash_value": cty.StringVal(hv),
		"size":          cty.NumberIntVal(img.SizeBytes),
		"tags":          openstack.StringListVal(img.Tags),
		"visibility":    cty.StringVal(string(img.Visibility)),
	})
}

func outputs(img *images.Image, all []images.Image) cty.Value {
	list := make([]cty.Value, len(all))
	for i := range all {
		list[i] = imageVal(&all[i])
	}
	imgs := cty.ListValEmpty(imageType)
	if len(list) > 0 {
		imgs = cty.ListVal(list)
	}
	v := imageVal(img)
	return cty.ObjectVal(map[string]cty.Value{
		"id":            v.GetAttr("id"),
		"name":          v.GetAttr("name"),
		"status":        v.GetAttr("status"),
		"checksum":      v.GetAttr("checksum"),
		"os_hash_value": v.GetAttr("os_hash_value"),
		"size":          v.GetAttr("size"),
		"images":        imgs,
	})
}
