package openstackimage_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/module/moduletest"
	"github.com/runbook-dev/runbook/modules/internal/openstack/openstacktest"
	image "github.com/runbook-dev/runbook/modules/openstack_image"
)

func TestArgsValidation(t *testing.T) {
	m := image.New()
	for _, tc := range []struct{ src, want string }{
		{`file = "/x"`, "name is required here"},
		{`name = "x"`, "file is required here"},
		{`action = "find"`, "Give at least one of name or tags"},
		{`action = "delete"`, `not "delete"`},
		{"name = \"x\"\nfile = \"/x\"\nvisibility = \"everyone\"", "visibility"},
		{"name = \"x\"\nfile = \"/x\"\nold_image = \"burn\"", "old_image"},
		{"name = \"x\"\nfile = \"/x\"\ntimeout = \"soon\"", "timeout"},
		{"name = \"x\"\nfile = \"/x\"\ninterface = \"private\"", "interface"},
	} {
		p := moduletest.Plan(t, m, moduletest.Request(moduletest.Args(t, m, tc.src), nil, ""))
		if p.Err == nil || !strings.Contains(p.Err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.src, p.Err, tc.want)
		}
	}
	if _, diags := moduletest.Decode(m, `nmae = "x"`); !diags.HasErrors() {
		t.Error("unknown argument accepted")
	}
}

func TestGlance500CarriesRequestID(t *testing.T) {
	fc := openstacktest.New(t)
	fc.Mux.HandleFunc(fc.ImagePath("images"), func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Openstack-Request-Id", "req-glance-500")
		w.WriteHeader(500)
		w.Write([]byte("500 Internal Server Error\n\nThe server has either erred or is incapable of performing the requested operation.\n\n"))
	})
	m := image.New()
	req := moduletest.Request(moduletest.Args(t, m, `cloud = "fake"
name = "x"
file = "`+randomFile(t, 10)+`"`), nil, "")
	p := moduletest.Plan(t, m, req)
	want := `listing images named "x": 500 Internal Server Error: The server has either erred or is incapable of performing the requested operation. (GET ` + fc.ImageURL() + `v2/images?name=x&sort=created_at%3Adesc, request id req-glance-500)`
	if p.Err == nil || p.Err.Error() != want {
		t.Fatalf("got  %v\nwant %s", p.Err, want)
	}
}

// TestUploadFailureRemovesImage: when the upload fails, the queued image is
// deleted and the error says so.
func TestUploadFailureRemovesImage(t *testing.T) {
	fc := openstacktest.New(t)
	var deleted atomic.Bool
	fc.Mux.HandleFunc(fc.ImagePath("images"), func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "GET" {
			openstacktest.JSON(w, 200, `{"images": []}`)
			return
		}
		openstacktest.JSON(w, 201, `{"id": "new1", "name": "x", "status": "queued", "tags": [], "visibility": "private"}`)
	})
	fc.Mux.HandleFunc(fc.ImagePath("images/new1/file"), func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Openstack-Request-Id", "req-upload")
		w.WriteHeader(413)
		w.Write([]byte(`{"message": "Image exceeds the storage quota", "code": "413", "title": "Request Entity Too Large"}`))
	})
	fc.Mux.HandleFunc(fc.ImagePath("images/new1"), func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "DELETE" {
			deleted.Store(true)
			w.WriteHeader(204)
		}
	})
	m := image.New()
	req := moduletest.Request(moduletest.Args(t, m, `cloud = "fake"
name = "x"
file = "`+randomFile(t, 100)+`"`), nil, "")
	p, a := moduletest.Run(t, m, req)
	if p.Action != module.Change || a == nil || a.Err == nil {
		t.Fatalf("plan %v, apply %+v", p.Action, a)
	}
	for _, want := range []string{"413", "Image exceeds the storage quota", "req-upload", "incomplete image new1 was deleted"} {
		if !strings.Contains(a.Err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, a.Err)
		}
	}
	if !deleted.Load() {
		t.Error("queued image not deleted")
	}
}

func TestFindNothingFails(t *testing.T) {
	fc := openstacktest.New(t)
	fc.Mux.HandleFunc(fc.ImagePath("images"), func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("tag") != "trove" {
			t.Errorf("query %s", r.URL.RawQuery)
		}
		openstacktest.JSON(w, 200, `{"images": []}`)
	})
	m := image.New()
	p := moduletest.Plan(t, m, moduletest.Request(moduletest.Args(t, m, "cloud = \"fake\"\naction = \"find\"\ntags = [\"trove\"]"), nil, ""))
	if p.Err == nil || !strings.Contains(p.Err.Error(), "no image found (tags trove)") {
		t.Fatalf("got %v", p.Err)
	}
}

func TestReauthDuringUploadResendsTheWholeFile(t *testing.T) {
	g := newFakeGlance(t)
	g.expireBeforeUpload = true
	m := image.New()
	file := randomFile(t, 256<<10)
	req := moduletest.Request(moduletest.Args(t, m, "cloud = \"fake\"\nname = \"x\"\nfile = \""+file+"\"\n"), nil, "")
	_, a := moduletest.Run(t, m, req)
	if a == nil || a.Err != nil {
		t.Fatalf("apply: %+v", a)
	}
	// The second upload (after re-authenticating) carried the whole file:
	// Glance's checksum is the file's.
	if n := g.fc.Tokens.Load(); n != 2 {
		t.Errorf("%d logins, want 2", n)
	}
	p := moduletest.Plan(t, m, req)
	if p.Action != module.NoOp {
		t.Fatalf("after upload: %v %s", p.Action, p.Reason)
	}
}

func TestOldImageDeactivatedAndTimeout(t *testing.T) {
	g := newFakeGlance(t)
	m := image.New()
	src := func(file, extra string) module.Request {
		return moduletest.Request(moduletest.Args(t, m, "cloud = \"fake\"\nname = \"guest\"\nfile = \""+file+"\"\nold_image = \"deactivate\"\n"+extra), nil, "")
	}
	_, a := moduletest.Run(t, m, src(randomFile(t, 100), ""))
	if a == nil || a.Err != nil {
		t.Fatalf("first: %+v", a)
	}
	first := a.Outputs.GetAttr("id").AsString()
	p, a := moduletest.Run(t, m, src(randomFile(t, 200), ""))
	if p.Action != module.Change || a == nil || a.Err != nil {
		t.Fatalf("second: %v %+v", p.Action, a)
	}
	if st := g.images[first]["status"]; st != "deactivated" {
		t.Errorf("old image %s is %v", first, st)
	}
	// An upload that never becomes active times out, and the image goes.
	g.stuck = true
	_, a = moduletest.Run(t, m, src(randomFile(t, 300), "timeout = \"1s\"\n"))
	if a == nil || a.Err == nil || !strings.Contains(a.Err.Error(), "timed out after 1s waiting for image img-00000003-0000 to become active (last status saving)") ||
		!strings.Contains(a.Err.Error(), "was deleted") {
		t.Fatalf("timeout: %+v", a)
	}
	if _, ok := g.images["img-00000003-0000"]; ok {
		t.Error("stuck image left behind")
	}
}

// TestFileMadeLater: a file an earlier task has not made yet is
// "unpredictable" in the plan; Apply compares once it exists.
func TestFileMadeLater(t *testing.T) {
	g := newFakeGlance(t)
	m := image.New()
	file := filepath.Join(t.TempDir(), "later.qcow2")
	req := moduletest.Request(moduletest.Args(t, m, "cloud = \"fake\"\nname = \"x\"\nfile = \""+file+"\"\n"), nil, "")
	p := moduletest.Plan(t, m, req)
	if p.Err != nil || p.Action != module.Unpredictable || !strings.Contains(p.Reason, "does not exist yet") {
		t.Fatalf("plan: %v %v %s", p.Action, p.Err, p.Reason)
	}
	os.WriteFile(file, []byte("made by an earlier task"), 0o600)
	a := m.Apply(context.Background(), &module.ApplyRequest{Request: req, Planned: p})
	if a.Err != nil || !a.Changed || g.uploads != 1 {
		t.Fatalf("apply: %+v, %d uploads", a, g.uploads)
	}
	// Missing for good: Apply says so.
	os.Remove(file)
	p = moduletest.Plan(t, m, req)
	a = m.Apply(context.Background(), &module.ApplyRequest{Request: req, Planned: p})
	if a.Err == nil || !strings.Contains(a.Err.Error(), "no such file") {
		t.Fatalf("apply without the file: %+v", a)
	}
}
