package openstackimage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/imagedata"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/modules/internal/openstack"
)

// Apply creates and uploads the image (or updates the metadata of the
// matching one) as planned.
func (Module) Apply(ctx context.Context, req *module.ApplyRequest) *module.ApplyResponse {
	pl, ok := req.Planned.Private.(*planned)
	if !ok {
		return &module.ApplyResponse{Err: errors.New("openstack_image: apply without a plan")}
	}
	sc, err := imageClient(ctx, &req.Request)
	if err != nil {
		return &module.ApplyResponse{Err: err}
	}
	if pl.later {
		// The file was missing when planning; compare now.
		again := planCreate(ctx, sc, pl.p)
		switch {
		case again.Err != nil:
			return &module.ApplyResponse{Err: again.Err}
		case again.Action == module.NoOp:
			return &module.ApplyResponse{Outputs: again.Outputs}
		}
		pl = again.Private.(*planned)
	}
	say := func(line string) {
		if req.Output != nil {
			req.Output("stdout", line)
		}
	}
	if pl.update != nil {
		img, err := updateMetadata(ctx, sc, pl.p, pl.update)
		if err != nil {
			return &module.ApplyResponse{Err: err}
		}
		return &module.ApplyResponse{Changed: true, Outputs: outputs(img, []images.Image{*img})}
	}
	img, err := create(ctx, sc, pl, say)
	if err != nil {
		return &module.ApplyResponse{Err: err}
	}
	for i := range pl.others {
		if err := retire(ctx, sc, pl.p, &pl.others[i]); err != nil {
			return &module.ApplyResponse{Changed: true, Outputs: outputs(img, []images.Image{*img}), Err: err}
		}
	}
	return &module.ApplyResponse{Changed: true, Outputs: outputs(img, []images.Image{*img})}
}

func create(ctx context.Context, sc *gophercloud.ServiceClient, pl *planned, say func(string)) (*images.Image, error) {
	p := pl.p
	vis := images.ImageVisibility(p.visibility)
	if vis == "" {
		vis = images.ImageVisibilityPrivate
	}
	opts := images.CreateOpts{
		Name: p.name, Visibility: &vis, Tags: p.tags,
		DiskFormat: p.diskFormat, ContainerFormat: p.containerFormat,
		MinDisk: p.minDisk, MinRAM: p.minRAM, Properties: p.properties,
	}
	img, err := images.Create(ctx, sc, opts).Extract()
	if err != nil {
		return nil, openstack.Wrap(fmt.Sprintf("creating image %q", p.name), err)
	}
	say(fmt.Sprintf("created image %s (%s), uploading %s", p.name, img.ID, p.file))
	fail := func(err error) (*images.Image, error) {
		// Leave no half-made image behind; say so when that fails too.
		if derr := images.Delete(context.WithoutCancel(ctx), sc, img.ID).ExtractErr(); derr != nil {
			return nil, fmt.Errorf("%w; removing the incomplete image %s also failed: %v", err, img.ID, openstack.Wrap("", derr))
		}
		return nil, fmt.Errorf("%w (the incomplete image %s was deleted)", err, img.ID)
	}
	f, err := os.Open(p.file)
	if err != nil {
		return fail(fmt.Errorf("image file: %w", err))
	}
	defer f.Close()
	r := &uploadReader{f: f, total: pl.sums.Size, h: newHasher(), progress: say}
	defer func() { r.h.stop() }()
	if err := imagedata.Upload(ctx, sc, img.ID, r).ExtractErr(); err != nil {
		return fail(openstack.Wrap(fmt.Sprintf("uploading %s into image %s", p.file, img.ID), err))
	}
	sent := r.h.sums(r.sent)
	if sent.MD5 != pl.sums.MD5 {
		return fail(fmt.Errorf("%s changed between plan and upload (md5 %s, planned %s)", p.file, sent.MD5, pl.sums.MD5))
	}
	var got *images.Image
	err = openstack.Poll(ctx, fmt.Sprintf("image %s to become active", img.ID), p.timeout, openstack.DefaultBackoff,
		func(ctx context.Context) (string, bool, error) {
			got, err = images.Get(ctx, sc, img.ID).Extract()
			if err != nil {
				return "", false, openstack.Wrap("reading image "+img.ID, err)
			}
			switch got.Status {
			case images.ImageStatusActive:
				return string(got.Status), true, nil
			case images.ImageStatusKilled, images.ImageStatusDeleted, images.ImageStatusDeactivated:
				return string(got.Status), false, fmt.Errorf("image %s went to status %s after upload", img.ID, got.Status)
			}
			return string(got.Status), false, nil
		}, func(s string) { say("image " + img.ID + " is " + s) })
	if err != nil {
		return fail(err)
	}
	if got.Checksum != "" && got.Checksum != pl.sums.MD5 {
		return fail(fmt.Errorf("glance recorded md5 %s for image %s, the file has %s", got.Checksum, img.ID, pl.sums.MD5))
	}
	return got, nil
}

func retire(ctx context.Context, sc *gophercloud.ServiceClient, p *params, old *images.Image) error {
	switch p.oldImage {
	case "rename":
		_, err := images.Update(ctx, sc, old.ID, images.UpdateOpts{images.ReplaceImageName{NewName: renamed(p.name, old.ID)}}).Extract()
		return openstack.Wrap(fmt.Sprintf("renaming old image %s", old.ID), err)
	case "deactivate":
		if old.Status != images.ImageStatusActive {
			return nil
		}
		resp, err := sc.Post(ctx, sc.ServiceURL("images", old.ID, "actions", "deactivate"), nil, nil, &gophercloud.RequestOpts{OkCodes: []int{204}})
		if resp != nil && resp.Body != nil {
			resp.Body.Close()
		}
		return openstack.Wrap(fmt.Sprintf("deactivating old image %s", old.ID), err)
	}
	return nil
}

func updateMetadata(ctx context.Context, sc *gophercloud.ServiceClient, p *params, img *images.Image) (*images.Image, error) {
	var ops images.UpdateOpts
	if p.visibility != "" && string(img.Visibility) != p.visibility {
		ops = append(ops, images.UpdateVisibility{Visibility: images.ImageVisibility(p.visibility)})
	}
	for _, k := range openstack.SortedKeys(p.properties) {
		have, ok := img.Properties[k]
		if ok && fmt.Sprint(have) == p.properties[k] {
			continue
		}
		op := images.AddOp
		if ok {
			op = images.ReplaceOp
		}
		ops = append(ops, images.UpdateImageProperty{Op: op, Name: k, Value: p.properties[k]})
	}
	if p.tags != nil {
		want := slices.Compact(slices.Sorted(slices.Values(p.tags)))
		if !slices.Equal(want, slices.Sorted(slices.Values(img.Tags))) {
			ops = append(ops, images.ReplaceImageTags{NewTags: want})
		}
	}
	got, err := images.Update(ctx, sc, img.ID, ops).Extract()
	return got, openstack.Wrap(fmt.Sprintf("updating metadata of image %s", img.ID), err)
}
