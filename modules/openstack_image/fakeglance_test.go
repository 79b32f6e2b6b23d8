package openstackimage_test

import (
	"crypto/md5"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/runbook-dev/runbook/modules/internal/openstack/openstacktest"
)

// fakeGlance is a small in-memory Glance v2 on the fake cloud.
type fakeGlance struct {
	mu      sync.Mutex
	fc      *openstacktest.Cloud
	images  map[string]map[string]any
	order   []string
	uploads int
	// stuck keeps uploaded images in "saving".
	stuck bool
	// expireBeforeUpload makes the token expire right before the next upload.
	expireBeforeUpload bool
}

func newFakeGlance(t *testing.T) *fakeGlance {
	fc := openstacktest.New(t)
	g := &fakeGlance{fc: fc, images: map[string]map[string]any{}}
	fc.Mux.HandleFunc(fc.ImagePath("images"), g.collection)
	fc.Mux.HandleFunc(fc.ImagePath("images/"), g.member)
	return g
}

func (g *fakeGlance) collection(w http.ResponseWriter, r *http.Request) {
	if !g.fc.Authorized(w, r) {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if r.Method == "POST" {
		var img map[string]any
		json.NewDecoder(r.Body).Decode(&img)
		id := fmt.Sprintf("img-%08d-0000", len(g.order)+1)
		img["id"], img["status"], img["checksum"], img["size"] = id, "queued", nil, nil
		if img["tags"] == nil {
			img["tags"] = []any{}
		}
		g.images[id] = img
		g.order = append(g.order, id)
		b, _ := json.Marshal(img)
		openstacktest.JSON(w, 201, string(b))
		return
	}
	var out []map[string]any
	for i := len(g.order) - 1; i >= 0; i-- {
		img, ok := g.images[g.order[i]]
		if ok && (r.URL.Query().Get("name") == "" || img["name"] == r.URL.Query().Get("name")) {
			out = append(out, img)
		}
	}
	b, _ := json.Marshal(map[string]any{"images": out})
	openstacktest.JSON(w, 200, string(b))
}

func (g *fakeGlance) member(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, g.fc.ImagePath("images/"))
	parts := strings.Split(rest, "/")
	if g.expireBeforeUpload && len(parts) == 2 && parts[1] == "file" {
		g.expireBeforeUpload = false
		g.fc.Valid.Store("tok-2")
	}
	if !g.fc.Authorized(w, r) {
		io.Copy(io.Discard, r.Body)
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	img, ok := g.images[parts[0]]
	if !ok {
		http.NotFound(w, r)
		return
	}
	switch {
	case len(parts) == 2 && parts[1] == "file":
		data, _ := io.ReadAll(r.Body)
		g.uploads++
		m, s := md5.Sum(data), sha512.Sum512(data)
		img["checksum"], img["os_hash_algo"], img["os_hash_value"], img["size"] = hex.EncodeToString(m[:]), "sha512", hex.EncodeToString(s[:]), len(data)
		img["status"] = "active"
		if g.stuck {
			img["status"] = "saving"
		}
		w.WriteHeader(204)
	case len(parts) == 3 && parts[2] == "deactivate":
		img["status"] = "deactivated"
		w.WriteHeader(204)
	case r.Method == "DELETE":
		delete(g.images, parts[0])
		w.WriteHeader(204)
	case r.Method == "PATCH":
		var ops []map[string]any
		json.NewDecoder(r.Body).Decode(&ops)
		for _, op := range ops {
			img[strings.TrimPrefix(op["path"].(string), "/")] = op["value"]
		}
		fallthrough
	default:
		b, _ := json.Marshal(img)
		openstacktest.JSON(w, 200, string(b))
	}
}
