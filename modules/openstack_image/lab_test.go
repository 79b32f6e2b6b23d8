package openstackimage_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/module/moduletest"
	"github.com/runbook-dev/runbook/modules/internal/openstack"
	"github.com/runbook-dev/runbook/modules/internal/openstack/labenv"
	image "github.com/runbook-dev/runbook/modules/openstack_image"
)

func labGlance(t *testing.T) (labenv.Env, *gophercloud.ServiceClient) {
	t.Helper()
	env := labenv.OpenStack(t)
	openstack.Forget()
	c, err := openstack.Connect(context.Background(), openstack.Params{Cloud: env["LAB_OS_CLOUD_DEMO"]})
	if err != nil {
		t.Fatal(err)
	}
	sc, err := c.Image()
	if err != nil {
		t.Fatal(err)
	}
	return env, sc
}

func randomFile(t *testing.T, size int) string {
	t.Helper()
	b := make([]byte, size)
	rand.Read(b)
	p := filepath.Join(t.TempDir(), fmt.Sprintf("img-%d.qcow2", size))
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// snapshot lists every image the project sees, for "Plan changed nothing".
func snapshot(t *testing.T, sc *gophercloud.ServiceClient) []string {
	t.Helper()
	pages, err := images.List(sc, images.ListOpts{}).AllPages(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	all, _ := images.ExtractImages(pages)
	var out []string
	for _, i := range all {
		out = append(out, fmt.Sprintf("%s %s %s %s %v %v", i.ID, i.Name, i.Status, i.Checksum, i.Tags, i.Properties["hw_rng_model"]))
	}
	slices.Sort(out)
	return out
}

func cleanupByName(t *testing.T, sc *gophercloud.ServiceClient, prefix string) {
	t.Cleanup(func() {
		pages, err := images.List(sc, images.ListOpts{}).AllPages(context.Background())
		if err != nil {
			return
		}
		all, _ := images.ExtractImages(pages)
		for _, i := range all {
			if strings.HasPrefix(i.Name, prefix) {
				images.Delete(context.Background(), sc, i.ID)
			}
		}
	})
}

func TestLabImageLifecycle(t *testing.T) {
	env, sc := labGlance(t)
	m := image.New()
	name := fmt.Sprintf("rb-test-%d", os.Getpid())
	cleanupByName(t, sc, name)
	file := randomFile(t, 3<<20)
	src := fmt.Sprintf(`
cloud = %q
name = %q
file = %q
properties = { hw_rng_model = "virtio" }
tags = ["trove", "rb-test"]
old_image = "rename"
`, env["LAB_OS_CLOUD_DEMO"], name, file)
	req := moduletest.Request(moduletest.Args(t, m, src), nil, "")
	var lines []string
	req.Output = func(_, line string) { lines = append(lines, line) }

	// Check mode: Plan says Change and changes nothing.
	before := snapshot(t, sc)
	plan := moduletest.Plan(t, m, req)
	if plan.Err != nil || plan.Action != module.Change {
		t.Fatalf("plan: %v %v", plan.Action, plan.Err)
	}
	if after := snapshot(t, sc); !slices.Equal(before, after) {
		t.Fatalf("Plan changed the image list:\n%v\n%v", before, after)
	}

	// Create: uploads, streams progress, active with the file's checksum.
	plan, apply := moduletest.Run(t, m, req)
	if plan.Action != module.Change || apply == nil || apply.Err != nil || !apply.Changed {
		t.Fatalf("apply: %+v", apply)
	}
	out := apply.Outputs
	id := out.GetAttr("id").AsString()
	if out.GetAttr("status").AsString() != "active" {
		t.Errorf("status %s", out.GetAttr("status").AsString())
	}
	if !slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, "uploaded 100%") }) {
		t.Errorf("no progress lines: %q", lines)
	}
	got, err := images.Get(context.Background(), sc, id).Extract()
	if err != nil {
		t.Fatal(err)
	}
	if got.Checksum != out.GetAttr("checksum").AsString() || got.Properties["hw_rng_model"] != "virtio" || got.Properties["os_hash_value"] != out.GetAttr("os_hash_value").AsString() {
		t.Errorf("glance has %s %v %v, outputs %#v", got.Checksum, got.Properties["hw_rng_model"], got.Properties["os_hash_value"], out)
	}

	// Re-run: the same file is a no-op with the same image.
	plan = moduletest.Plan(t, m, req)
	if plan.Err != nil || plan.Action != module.NoOp || plan.Outputs.GetAttr("id").AsString() != id {
		t.Fatalf("second run: %v %v %v", plan.Action, plan.Reason, plan.Err)
	}

	// Metadata drift is a change that touches only metadata.
	src2 := strings.Replace(src, `"virtio"`, `"none"`, 1)
	req2 := moduletest.Request(moduletest.Args(t, m, src2), nil, "")
	plan, apply = moduletest.Run(t, m, req2)
	if plan.Action != module.Change || apply == nil || apply.Err != nil || apply.Outputs.GetAttr("id").AsString() != id {
		t.Fatalf("metadata update: %v %v %+v", plan.Action, plan.Err, apply)
	}
	if p := moduletest.Plan(t, m, req2); p.Action != module.NoOp {
		t.Fatalf("after metadata update: %v %s", p.Action, p.Reason)
	}

	// A different file: a new image; the old one is renamed.
	src3 := strings.Replace(src2, file, randomFile(t, 1<<20), 1)
	req3 := moduletest.Request(moduletest.Args(t, m, src3), nil, "")
	plan, apply = moduletest.Run(t, m, req3)
	if plan.Action != module.Change || apply == nil || apply.Err != nil {
		t.Fatalf("new file: %v %v %+v", plan.Action, plan.Err, apply)
	}
	newID := apply.Outputs.GetAttr("id").AsString()
	if newID == id {
		t.Fatal("a different file reused the old image")
	}
	old, err := images.Get(context.Background(), sc, id).Extract()
	if err != nil || old.Name != name+"-old-"+id[:8] {
		t.Errorf("old image: %v %v", old, err)
	}

	// Find by name and tag: read-only, the new image.
	freq := moduletest.Request(moduletest.Args(t, m, fmt.Sprintf("cloud = %q\naction = \"find\"\nname = %q\ntags = [\"rb-test\"]\n", env["LAB_OS_CLOUD_DEMO"], name)), nil, "")
	fp := moduletest.Plan(t, m, freq)
	if fp.Err != nil || fp.Action != module.NoOp || fp.Outputs.GetAttr("id").AsString() != newID || fp.Outputs.GetAttr("images").LengthInt() != 1 {
		t.Fatalf("find: %v %v %#v", fp.Action, fp.Err, fp.Outputs)
	}
}

func TestLabImageBadDiskFormat(t *testing.T) {
	env, sc := labGlance(t)
	m := image.New()
	name := fmt.Sprintf("rb-test-bad-%d", os.Getpid())
	cleanupByName(t, sc, name)
	req := moduletest.Request(moduletest.Args(t, m, fmt.Sprintf("cloud = %q\nname = %q\nfile = %q\ndisk_format = \"qcow3\"\n", env["LAB_OS_CLOUD_DEMO"], name, randomFile(t, 1024))), nil, "")
	_, apply := moduletest.Run(t, m, req)
	if apply == nil || apply.Err == nil {
		t.Fatal("qcow3 accepted")
	}
	msg := apply.Err.Error()
	for _, want := range []string{"creating image", "400 Bad Request", "qcow3", "request id req-"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q: %s", want, msg)
		}
	}
	t.Log(msg)
}

// TestLabImageDeactivateOld: as admin, a new file deactivates the old image.
func TestLabImageDeactivateOld(t *testing.T) {
	env, _ := labGlance(t)
	m := image.New()
	name := fmt.Sprintf("rb-test-deact-%d", os.Getpid())
	src := func(file string) module.Request {
		return moduletest.Request(moduletest.Args(t, m, fmt.Sprintf("cloud = %q\nname = %q\nfile = %q\nold_image = \"deactivate\"\n", env["LAB_OS_CLOUD_ADMIN"], name, file)), nil, "")
	}
	_, a := moduletest.Run(t, m, src(randomFile(t, 4096)))
	if a == nil || a.Err != nil {
		t.Fatalf("first: %+v", a)
	}
	first := a.Outputs.GetAttr("id").AsString()
	c, err := openstack.Connect(context.Background(), openstack.Params{Cloud: env["LAB_OS_CLOUD_ADMIN"]})
	if err != nil {
		t.Fatal(err)
	}
	asc, _ := c.Image()
	cleanupByName(t, asc, name)
	_, a = moduletest.Run(t, m, src(randomFile(t, 8192)))
	if a == nil || a.Err != nil {
		t.Fatalf("second: %+v", a)
	}
	old, err := images.Get(context.Background(), asc, first).Extract()
	if err != nil || old.Status != images.ImageStatusDeactivated {
		t.Fatalf("old image: %+v %v", old, err)
	}
	// Deactivated images cannot be deleted by the cleanup until reactivated.
	t.Cleanup(func() {
		resp, err := asc.Post(context.Background(), asc.ServiceURL("images", first, "actions", "reactivate"), nil, nil, &gophercloud.RequestOpts{OkCodes: []int{204}})
		if err == nil {
			resp.Body.Close()
		}
	})
}
