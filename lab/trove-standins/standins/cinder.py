"""Cinder v3 stand-in: volumes, each a directory that holds an instance's data.

What Trove calls through python-cinderclient: create, show, list, delete,
extend (os-extend) and reset status; volume types for the create check.
Nova's attach/detach (block_device_mapping_v2 at boot, os-volume_attachments)
changes the same documents. A volume's bytes are the files under
STATE/volumes/ID/ (the guest's MariaDB datadir lives there), so rebuilding
a server keeps them and deleting the volume removes them.
"""
import datetime
import os
import shutil
import uuid

from standins.wsgi import HTTPError, json_body

VOLUME_TYPE = {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, "lab-standins/volume-type/lvmdriver-1")),
               "name": "lvmdriver-1", "description": "lab stand-in volumes (directories)",
               "is_public": True, "extra_specs": {}, "os-volume-type-access:is_public": True,
               "qos_specs_id": None}


def now():
    return datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%S.000000")


class Volumes:
    def __init__(self, store, cfg):
        self.store = store
        self.cfg = cfg

    def path(self, vid):
        return os.path.join(self.cfg.state_dir, "volumes", vid)

    def create(self, body, caller):
        try:
            size = int(body.get("size") or 0)
        except (TypeError, ValueError):
            raise HTTPError(400, "Invalid input received: size must be an integer")
        if size <= 0:
            raise HTTPError(400, "Invalid input received: size must be > 0")
        vid = str(uuid.uuid4())
        os.makedirs(self.path(vid), exist_ok=True)
        doc = {"id": vid, "name": body.get("name"), "description": body.get("description"), "size": size,
               "status": "available", "volume_type": body.get("volume_type") or VOLUME_TYPE["name"],
               "availability_zone": body.get("availability_zone") or "nova", "attachments": [],
               "bootable": "false", "multiattach": False, "metadata": body.get("metadata") or {},
               "created_at": now(), "updated_at": now(), "os-vol-tenant-attr:tenant_id": caller.project_id,
               "user_id": caller.user_id, "encrypted": False, "snapshot_id": body.get("snapshot_id"),
               "source_volid": body.get("source_volid"), "replication_status": None,
               "consistencygroup_id": None, "os-vol-host-attr:host": self.cfg.host_name + "@lab#lab",
               "migration_status": None, "group_id": None, "provider_id": None, "service_uuid": None,
               "shared_targets": False, "cluster_name": None, "volume_type_id": VOLUME_TYPE["id"]}
        return self.store.create("volume", doc)

    def attach(self, vid, server_id, device):
        def f(v):
            if v["status"] not in ("available", "reserved"):
                raise HTTPError(400, "Invalid volume: volume %s status must be available, is %s" % (vid, v["status"]))
            aid = str(uuid.uuid4())
            v["attachments"] = [{"id": vid, "attachment_id": aid, "volume_id": vid, "server_id": server_id,
                                 "device": device, "host_name": self.cfg.host_name, "attached_at": now()}]
            v["status"], v["updated_at"] = "in-use", now()
        doc = self.store.update("volume", vid, f)
        if doc is None:
            raise HTTPError(404, "Volume %s could not be found." % vid)
        return doc

    def detach(self, vid):
        def f(v):
            v["attachments"], v["status"], v["updated_at"] = [], "available", now()
        return self.store.update("volume", vid, f)

    def delete(self, vid, force=False):
        v = self.store.get("volume", vid)
        if v is None:
            raise HTTPError(404, "Volume %s could not be found." % vid)
        if v["attachments"] and not force:
            raise HTTPError(400, "Invalid volume: Volume status must be available or error or error_restoring or "
                                 "error_extending or error_managing and must not be migrating, attached, belong "
                                 "to a group, have snapshots or be disassociated from snapshots after volume "
                                 "transfer.")
        self.store.delete("volume", vid)
        shutil.rmtree(self.path(vid), ignore_errors=True)


def _view(v):
    return dict(v, links=[])


def install(app, store, volumes):
    P = "/volume/v3/{project_id}"

    def versions(req, caller):
        return 300, {"versions": [{"id": "v3.0", "status": "CURRENT", "version": "3.70", "min_version": "3.0",
                                   "updated": "2023-01-01T00:00:00Z",
                                   "links": [{"rel": "self", "href": req.host_url + "/volume/v3/"}]}]}

    app.add("volume", "GET", "/volume", versions, auth=False)

    def visible(v, caller, project_id):
        return caller.is_admin or v["os-vol-tenant-attr:tenant_id"] == project_id

    def get(vid, caller, project_id):
        v = store.get("volume", vid)
        if v is None or not visible(v, caller, project_id):
            raise HTTPError(404, "Volume %s could not be found." % vid)
        return v

    def create(req, caller, project_id):
        body = json_body(req).get("volume") or {}
        return 202, {"volume": _view(volumes.create(body, caller))}

    def show(req, caller, project_id, id):
        return 200, {"volume": _view(get(id, caller, project_id))}

    def listing(req, caller, project_id):
        all_tenants = req.GET.get("all_tenants") in ("1", "true", "True") and caller.is_admin
        out = []
        for v in store.list("volume"):
            if not all_tenants and v["os-vol-tenant-attr:tenant_id"] != project_id:
                continue
            if req.GET.get("name") and v["name"] != req.GET["name"]:
                continue
            if req.GET.get("status") and v["status"] != req.GET["status"]:
                continue
            out.append(_view(v))
        return 200, {"volumes": out}

    def delete(req, caller, project_id, id):
        get(id, caller, project_id)
        volumes.delete(id)
        return 202, None

    def action(req, caller, project_id, id):
        get(id, caller, project_id)
        body = json_body(req)
        if "os-extend" in body:
            new = int(body["os-extend"].get("new_size", 0))

            def f(v):
                if new <= v["size"]:
                    raise HTTPError(400, "Invalid input received: New size for extend must be greater than "
                                         "current size. (current: %d, extended: %d)." % (v["size"], new))
                v["size"], v["updated_at"] = new, now()
            store.update("volume", id, f)
            return 202, None
        if "os-reset_status" in body:
            st = body["os-reset_status"]

            def f(v):
                if st.get("status"):
                    v["status"] = st["status"]
                if st.get("attach_status") == "detached":
                    v["attachments"] = []
            store.update("volume", id, f)
            return 202, None
        if "os-force_delete" in body:
            volumes.delete(id, force=True)
            return 202, None
        raise HTTPError(400, "the stand-in does not implement volume action %s" % ",".join(body))

    app.add("volume", "POST", P + "/volumes", create)
    app.add("volume", "GET", P + "/volumes/detail", listing)
    app.add("volume", "GET", P + "/volumes", listing)
    app.add("volume", "GET", P + "/volumes/{id}", show)
    app.add("volume", "DELETE", P + "/volumes/{id}", delete)
    app.add("volume", "POST", P + "/volumes/{id}/action", action)
    app.add("volume", "GET", P + "/types", lambda req, caller, project_id: (200, {"volume_types": [VOLUME_TYPE]}))
    app.add("volume", "GET", P + "/types/default", lambda req, caller, project_id: (200, {"volume_type": VOLUME_TYPE}))
    app.add("volume", "GET", P + "/types/{id}", lambda req, caller, project_id, id: (
        200, {"volume_type": VOLUME_TYPE}) if id in (VOLUME_TYPE["id"], VOLUME_TYPE["name"]) else
        _not_found("Volume type %s could not be found." % id))


def _not_found(msg):
    raise HTTPError(404, msg)
