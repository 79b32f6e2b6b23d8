package openstacktest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
)

// Trove is a small in-memory Trove on the fake cloud, enough for module
// tests: instances settle after a few reads (BUILD -> ACTIVE/HEALTHY), an
// instance whose name ends in "-ERROR" goes to ERROR with a fault, backups
// complete after a few reads ("-FAIL" fails), datastores and versions are
// listed, and the management API rebuilds and edits versions. Requests are
// recorded in Calls ("POST instances", ...).
type Trove struct {
	mu        sync.Mutex
	c         *Cloud
	seq       int
	Instances map[string]*FakeInstance
	Backups   map[string]*FakeBackup
	Versions  []FakeVersion
	Calls     []string
	// Steps is how many reads a transition takes (default 2).
	Steps int
	// CreateFaults are answers to the next instance creates, in order: a
	// 5xx before the instance is recorded (Trove's first-reservation race)
	// or after (a failed cast to the taskmanager).
	CreateFaults []CreateFault
}

// CreateFault makes one instance create answer Status; Recorded says
// whether the instance exists anyway.
type CreateFault struct {
	Status   int
	Recorded bool
}

// FakeInstance is an instance of the fake Trove.
type FakeInstance struct {
	ID, Name, Status, Version, Flavor, Target string
	Size, left                                int
	Backup                                    string
	// Databases and Users are what the guest agent would report; a
	// restore starts with those of the backed-up instance.
	Databases, Users []string
	// Image is the Glance image its server runs; Project its project.
	Image, Project string
	// Networks are the networks of its ports; Public, CIDRs its access.
	Networks  []string
	Public    bool
	CIDRs     []string
	rebuildTo string
}

// FakeBackup is a backup of the fake Trove.
type FakeBackup struct {
	ID, Name, Instance, Status string
	left                       int
}

// FakeVersion is a datastore version of the fake Trove.
type FakeVersion struct {
	ID, Name, Image string
	Active, Default bool
	// Params is how many configuration parameters it has.
	Params int
}

// NewTrove serves a fake Trove on c's database endpoint.
func NewTrove(c *Cloud) *Trove {
	tr := &Trove{c: c, Instances: map[string]*FakeInstance{}, Backups: map[string]*FakeBackup{}, Steps: 2,
		Versions: []FakeVersion{{ID: "v29", Name: "5.7.29", Image: "img1", Active: true, Default: true, Params: 3}, {ID: "v30", Name: "5.7.30", Image: "img1", Active: true}}}
	c.Mux.HandleFunc("/database/v1.0/"+Project+"/", tr.serve)
	c.Mux.HandleFunc("/compute/v2.1/", tr.serveCompute)
	return tr
}

func (tr *Trove) id(prefix string) string {
	tr.seq++
	return fmt.Sprintf("%s-%04d", prefix, tr.seq)
}

// AddInstance puts a settled instance in place.
func (tr *Trove) AddInstance(name, version string) *FakeInstance {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	i := &FakeInstance{ID: tr.id("inst"), Name: name, Status: "HEALTHY", Version: version, Flavor: "10", Size: 1, Image: "img1", Project: Project}
	tr.Instances[i.ID] = i
	return i
}

// CallsOf returns the recorded calls that start with prefix.
func (tr *Trove) CallsOf(prefix string) []string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	var out []string
	for _, c := range tr.Calls {
		if strings.HasPrefix(c, prefix) {
			out = append(out, c)
		}
	}
	return out
}

func (i *FakeInstance) step() {
	if i.left > 0 {
		i.left--
		if i.left == 0 {
			switch {
			case strings.HasSuffix(i.Name, "-ERROR"):
				i.Status = "ERROR"
			case i.Status == "DELETING":
				i.Status = "GONE"
			default:
				if i.Target != "" {
					i.Version, i.Target = i.Target, ""
				}
				if i.rebuildTo != "" {
					i.Image, i.rebuildTo = i.rebuildTo, ""
				}
				i.Status = "HEALTHY"
			}
		}
	}
}

func (i *FakeInstance) json() string {
	fault := ""
	if i.Status == "ERROR" {
		fault = `, "fault": {"message": "No valid host was found. There are not enough hosts available.", "created": "2024-05-01T10:00:00", "details": ""}`
	}
	op := "HEALTHY"
	st := i.Status
	if st == "HEALTHY" {
		st = "ACTIVE"
	} else {
		op = ""
	}
	var addrs []string
	for k, n := range append([]string{""}, i.Networks...) {
		if k == 0 && len(i.Networks) > 0 {
			continue
		}
		addrs = append(addrs, fmt.Sprintf(`{"address": "10.0.%d.%d", "type": "private", "network": %q}`, k, len(i.ID), n))
	}
	cidrs, _ := json.Marshal(i.CIDRs)
	return fmt.Sprintf(`{"id": %q, "name": %q, "status": %q, "operating_status": %q, "flavor": {"id": %q}, "volume": {"size": %d},
	  "datastore": {"type": "mysql", "version": %q}, "region": "RegionOne", "tenant_id": %q,
	  "access": {"is_public": %t, "allowed_cidrs": %s},
	  "addresses": [%s]%s}`, i.ID, i.Name, st, op, i.Flavor, i.Size, i.Version, i.Project, i.Public, cidrs, strings.Join(addrs, ","), fault)
}

func (i *FakeInstance) mgmtJSON() string {
	j := i.json()
	return j[:len(j)-1] + fmt.Sprintf(`, "server": {"id": "srv-%s", "status": "ACTIVE"}, "task_description": "No tasks for the instance."}`, i.ID)
}

func (b *FakeBackup) json() string {
	return fmt.Sprintf(`{"id": %q, "name": %q, "instance_id": %q, "status": %q, "size": 0.5, "locationRef": "http://swift/backups/%s.xbstream",
	  "created": "2024-05-01T10:00:00", "updated": "2024-05-01T10:00:00", "datastore": {"type": "mysql", "version": "5.7.29", "version_id": "v29"}}`,
		b.ID, b.Name, b.Instance, b.Status, b.ID)
}

func (tr *Trove) serve(w http.ResponseWriter, r *http.Request) {
	if !tr.c.Authorized(w, r) {
		return
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	path := strings.TrimPrefix(r.URL.Path, "/database/v1.0/"+Project+"/")
	tr.Calls = append(tr.Calls, r.Method+" "+path)
	parts := strings.Split(strings.Trim(path, "/"), "/")
	var raw map[string]any
	if r.Body != nil {
		_ = json.NewDecoder(r.Body).Decode(&raw)
	}
	body := map[string]map[string]any{}
	for k, v := range raw {
		if m, ok := v.(map[string]any); ok {
			body[k] = m
		}
	}
	notFound := func(what string) {
		JSON(w, 404, fmt.Sprintf(`{"itemNotFound": {"code": 404, "message": "Resource %s cannot be found."}}`, what))
	}
	switch {
	case parts[0] == "instances" && len(parts) == 1 && r.Method == "GET":
		var items []string
		for _, i := range tr.Instances {
			i.step()
			if i.Status != "GONE" {
				items = append(items, i.json())
			}
		}
		JSON(w, 200, `{"instances": [`+strings.Join(items, ",")+`]}`)
	case parts[0] == "instances" && len(parts) == 1 && r.Method == "POST":
		in := body["instance"]
		if in["flavorRef"] == "99999" {
			JSON(w, 400, `{"badRequest": {"code": 400, "message": "Resource 99999 cannot be found."}}`)
			return
		}
		ds, _ := in["datastore"].(map[string]any)
		version, _ := ds["version"].(string)
		if version == "" {
			version = "5.7.29"
		}
		i := &FakeInstance{ID: tr.id("inst"), Name: in["name"].(string), Status: "BUILD", Version: version, Flavor: in["flavorRef"].(string), left: tr.Steps,
			Image: "img1", Project: Project}
		if nics, ok := in["nics"].([]any); ok {
			for _, n := range nics {
				if m, ok := n.(map[string]any); ok {
					id, _ := m["net-id"].(string)
					i.Networks = append(i.Networks, id)
				}
			}
		}
		if a, ok := in["access"].(map[string]any); ok {
			i.Public, _ = a["is_public"].(bool)
			if cs, ok := a["allowed_cidrs"].([]any); ok {
				for _, c := range cs {
					s, _ := c.(string)
					i.CIDRs = append(i.CIDRs, s)
				}
			}
		}
		if v, ok := in["volume"].(map[string]any); ok {
			i.Size = int(v["size"].(float64))
		}
		if rp, ok := in["restorePoint"].(map[string]any); ok {
			i.Backup, _ = rp["backupRef"].(string)
			b, ok := tr.Backups[i.Backup]
			if !ok {
				JSON(w, 400, fmt.Sprintf(`{"badRequest": {"code": 400, "message": "Backup %s cannot be found."}}`, i.Backup))
				return
			}
			if src := tr.Instances[b.Instance]; src != nil {
				i.Databases, i.Users = append([]string(nil), src.Databases...), append([]string(nil), src.Users...)
			}
		}
		if len(tr.CreateFaults) > 0 {
			f := tr.CreateFaults[0]
			tr.CreateFaults = tr.CreateFaults[1:]
			if f.Recorded {
				tr.Instances[i.ID] = i
			}
			JSON(w, f.Status, fmt.Sprintf(`{"computeFault": {"code": %d, "message": "The server has either erred or is incapable of performing the requested operation."}}`, f.Status))
			return
		}
		tr.Instances[i.ID] = i
		JSON(w, 200, `{"instance": `+i.json()+`}`)
	case parts[0] == "instances" && len(parts) == 2:
		i, ok := tr.Instances[parts[1]]
		if !ok || i.Status == "GONE" {
			notFound(parts[1])
			return
		}
		switch r.Method {
		case "GET":
			i.step()
			if i.Status == "GONE" {
				notFound(parts[1])
				return
			}
			JSON(w, 200, `{"instance": `+i.json()+`}`)
		case "PATCH", "PUT":
			v, _ := body["instance"]["datastore_version"].(string)
			i.Target, i.Status, i.left = v, "UPGRADE", tr.Steps
			w.WriteHeader(202)
		case "DELETE":
			i.Status, i.left = "DELETING", tr.Steps
			w.WriteHeader(202)
		}
	case parts[0] == "instances" && len(parts) == 3 && (parts[2] == "databases" || parts[2] == "users") && r.Method == "GET":
		i, ok := tr.Instances[parts[1]]
		if !ok || i.Status == "GONE" {
			notFound(parts[1])
			return
		}
		names := i.Databases
		if parts[2] == "users" {
			names = i.Users
		}
		items := make([]string, len(names))
		for k, n := range names {
			items[k] = fmt.Sprintf(`{"name": %q}`, n)
		}
		JSON(w, 200, fmt.Sprintf(`{%q: [%s]}`, parts[2], strings.Join(items, ",")))
	case parts[0] == "instances" && len(parts) == 3 && parts[2] == "action":
		i, ok := tr.Instances[parts[1]]
		if !ok {
			notFound(parts[1])
			return
		}
		i.Status, i.left = "REBOOT", tr.Steps
		w.WriteHeader(202)
	case parts[0] == "mgmt" && len(parts) == 2 && parts[1] == "instances" && r.Method == "GET":
		var items []string
		for _, i := range tr.Instances {
			i.step()
			if i.Status != "GONE" {
				items = append(items, i.mgmtJSON())
			}
		}
		JSON(w, 200, `{"instances": [`+strings.Join(items, ",")+`]}`)
	case parts[0] == "mgmt" && len(parts) >= 3 && parts[1] == "instances":
		i, ok := tr.Instances[parts[2]]
		if !ok {
			notFound(parts[2])
			return
		}
		if len(parts) == 4 && r.Method == "POST" {
			img, _ := body["rebuild"]["image_id"].(string)
			i.Status, i.left, i.rebuildTo = "REBUILD", tr.Steps, img
			w.WriteHeader(202)
			return
		}
		i.step()
		JSON(w, 200, `{"instance": `+i.mgmtJSON()+`}`)
	case parts[0] == "backups" && len(parts) == 1 && r.Method == "GET":
		var items []string
		for _, b := range tr.Backups {
			if q := r.URL.Query().Get("instance_id"); q == "" || q == b.Instance {
				items = append(items, b.json())
			}
		}
		JSON(w, 200, `{"backups": [`+strings.Join(items, ",")+`], "links": []}`)
	case parts[0] == "backups" && len(parts) == 1 && r.Method == "POST":
		in := body["backup"]
		inst, _ := in["instance"].(string)
		if _, ok := tr.Instances[inst]; !ok {
			notFound(inst)
			return
		}
		b := &FakeBackup{ID: tr.id("bk"), Name: in["name"].(string), Instance: inst, Status: "NEW", left: tr.Steps}
		tr.Backups[b.ID] = b
		JSON(w, 202, `{"backup": `+b.json()+`}`)
	case parts[0] == "backups" && len(parts) == 2:
		b, ok := tr.Backups[parts[1]]
		if !ok {
			notFound(parts[1])
			return
		}
		if r.Method == "DELETE" {
			delete(tr.Backups, b.ID)
			w.WriteHeader(202)
			return
		}
		if b.left > 0 {
			b.left--
			if b.left == 0 {
				b.Status = "COMPLETED"
				if strings.HasSuffix(b.Name, "-FAIL") {
					b.Status = "FAILED"
				}
			}
		}
		JSON(w, 200, `{"backup": `+b.json()+`}`)
	case parts[0] == "datastores" && len(parts) == 1:
		var vs []string
		def := ""
		for _, v := range tr.Versions {
			if v.Active {
				vs = append(vs, fmt.Sprintf(`{"id": %q, "name": %q, "links": []}`, v.ID, v.Name))
			}
			if v.Default {
				def = v.ID
			}
		}
		JSON(w, 200, fmt.Sprintf(`{"datastores": [{"id": "ds1", "name": "mysql", "default_version": %q, "versions": [%s], "links": []}]}`, def, strings.Join(vs, ",")))
	case parts[0] == "datastores" && len(parts) == 4 && parts[1] == "versions" && parts[3] == "parameters":
		for _, v := range tr.Versions {
			if v.ID == parts[2] {
				var ps []string
				for k := 0; k < v.Params; k++ {
					ps = append(ps, fmt.Sprintf(`{"name": "p%d", "type": "integer", "restart_required": false}`, k))
				}
				JSON(w, 200, `{"configuration-parameters": [`+strings.Join(ps, ",")+`]}`)
				return
			}
		}
		notFound(parts[2])
	case parts[0] == "datastores" && len(parts) == 3 && parts[2] == "versions":
		var vs []string
		for _, v := range tr.Versions {
			if v.Active {
				vs = append(vs, fmt.Sprintf(`{"id": %q, "name": %q, "datastore": "ds1", "image": %q, "active": 1, "packages": "", "links": []}`, v.ID, v.Name, v.Image))
			}
		}
		JSON(w, 200, `{"versions": [`+strings.Join(vs, ",")+`]}`)
	case parts[0] == "mgmt" && len(parts) >= 2 && parts[1] == "datastore-versions":
		switch {
		case r.Method == "GET":
			var vs []string
			for _, v := range tr.Versions {
				vs = append(vs, fmt.Sprintf(`{"id": %q, "name": %q, "version": %q, "datastore_id": "ds1", "datastore_name": "mysql", "datastore_manager": "mysql", "image": %q, "image_tags": [], "packages": [], "active": %t, "default": %t}`,
					v.ID, v.Name, v.Name, v.Image, v.Active, v.Default))
			}
			JSON(w, 200, `{"versions": [`+strings.Join(vs, ",")+`]}`)
		case r.Method == "POST":
			in := body["version"]
			v := FakeVersion{ID: tr.id("ver"), Name: in["name"].(string)}
			v.Image, _ = in["image"].(string)
			v.Active, _ = in["active"].(bool)
			tr.Versions = append(tr.Versions, v)
			w.WriteHeader(202)
		case r.Method == "PATCH" && len(parts) == 3:
			for k := range tr.Versions {
				v := &tr.Versions[k]
				if v.ID == parts[2] {
					if img, ok := raw["image"].(string); ok {
						v.Image = img
					}
					if a, ok := raw["active"].(bool); ok {
						v.Active = a
					}
					w.WriteHeader(202)
					return
				}
			}
			notFound(parts[2])
		}
	default:
		notFound(path)
	}
}

// serveCompute is the part of Nova the modules read: the servers of the
// fake's instances, with the image each runs.
func (tr *Trove) serveCompute(w http.ResponseWriter, r *http.Request) {
	if !tr.c.Authorized(w, r) {
		return
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	path := strings.TrimPrefix(r.URL.Path, "/compute/v2.1/")
	tr.Calls = append(tr.Calls, "nova "+r.Method+" "+path)
	server := func(i *FakeInstance) string {
		return fmt.Sprintf(`{"id": "srv-%s", "name": %q, "status": "ACTIVE", "tenant_id": %q, "image": {"id": %q}}`, i.ID, i.Name, i.Project, i.Image)
	}
	switch {
	case path == "servers/detail":
		var items []string
		for _, i := range tr.Instances {
			if i.Status != "GONE" {
				items = append(items, server(i))
			}
		}
		JSON(w, 200, `{"servers": [`+strings.Join(items, ",")+`]}`)
	case strings.HasPrefix(path, "servers/srv-"):
		i, ok := tr.Instances[strings.TrimPrefix(path, "servers/srv-")]
		if !ok {
			JSON(w, 404, `{"itemNotFound": {"code": 404, "message": "Instance could not be found."}}`)
			return
		}
		JSON(w, 200, `{"server": `+server(i)+`}`)
	default:
		JSON(w, 404, `{"itemNotFound": {"code": 404, "message": "not served by the fake"}}`)
	}
}
