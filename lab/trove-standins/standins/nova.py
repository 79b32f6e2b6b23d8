"""Nova v2.1 stand-in: flavors, servers and their actions, volume attachments.

What Trove's API and taskmanager (18 and 23; python-novaclient at
microversion 2.12, Trove's nova_client_version) call: flavors (show, list),
servers (create with networks/port ids, block_device_mapping_v2, user_data
with cloud-config write_files, personality files, config_drive, metadata;
show; list with all_tenants/limit/marker; delete), server actions (reboot,
rebuild with personality, resize/confirmResize/revertResize, os-start,
os-stop) and os-volume_attachments. Servers answer with status, addresses,
image, flavor, fault and the OS-EXT-* attributes. The work behind each
call is the compute host's (standins.computehost).
"""
import datetime
import uuid

from standins.wsgi import HTTPError, json_body

MIN_VERSION, MAX_VERSION = "2.1", "2.60"


def now():
    return datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")


def _usage_time(t):
    """OS-SRV-USG times as Nova writes them: no zone, microseconds
    ("2013-09-23T13:53:12.000000"; gophercloud parses them so)."""
    return t.rstrip("Z") + ".000000" if t else t


def _version(req):
    v = req.headers.get("X-OpenStack-Nova-API-Version") or req.headers.get("OpenStack-API-Version", "")
    v = v.replace("compute", "").strip() or MIN_VERSION
    if v == "latest":
        return MAX_VERSION
    try:
        major, minor = (int(x) for x in v.split("."))
    except ValueError:
        raise HTTPError(400, "Invalid API version request %s" % v)
    lo = tuple(int(x) for x in MIN_VERSION.split("."))
    hi = tuple(int(x) for x in MAX_VERSION.split("."))
    if not lo <= (major, minor) <= hi:
        raise HTTPError(406, "Version %s is not supported by the API. Minimum is %s and maximum is %s."
                        % (v, MIN_VERSION, MAX_VERSION), "notAcceptable")
    return v


def _link(base, kind, id_):
    return [{"rel": "self", "href": "%s/compute/v2.1/%s/%s" % (base, kind, id_)},
            {"rel": "bookmark", "href": "%s/compute/%s/%s" % (base, kind, id_)}]


def flavor_view(base, f):
    return {"id": f["id"], "name": f["name"], "ram": f["ram"], "vcpus": f["vcpus"], "disk": f["disk"],
            "OS-FLV-EXT-DATA:ephemeral": f.get("ephemeral", 0), "OS-FLV-DISABLED:disabled": False,
            "swap": "", "rxtx_factor": 1.0, "os-flavor-access:is_public": True,
            "links": _link(base, "flavors", f["id"])}


class Nova:
    def __init__(self, store, cfg, host, network, faults):
        self.store = store
        self.cfg = cfg
        self.host = host
        self.network = network
        self.faults = faults

    def seed(self):
        for f in self.cfg.flavors:
            self.store.put("flavor", dict(f))

    def server_view(self, s):
        base = self.cfg.public_url
        addresses = {}
        for net, port, ip, kind in self.network.server_addresses(s["id"]):
            addresses.setdefault(net["name"], []).append({
                "addr": ip, "version": 4, "OS-EXT-IPS:type": kind, "OS-EXT-IPS-MAC:mac_addr": port["mac_address"]})
        sgs = []
        for p in self.store.list("port", device_id=s["id"]):
            for sg_id in p["security_groups"]:
                sg = self.store.get("security_group", sg_id)
                sgs.append({"name": sg["name"] if sg else sg_id})
        view = {
            "id": s["id"], "name": s["name"], "status": s["status"], "tenant_id": s["project_id"],
            "user_id": s["user_id"], "metadata": s.get("metadata") or {}, "hostId": "lab-host-id",
            "image": {"id": s["image_id"], "links": _link(base, "images", s["image_id"])} if s["image_id"] else "",
            "flavor": {"id": s["flavor_id"], "links": _link(base, "flavors", s["flavor_id"])},
            "created": s["created"], "updated": s["updated"], "addresses": addresses,
            "accessIPv4": "", "accessIPv6": "", "links": _link(base, "servers", s["id"]),
            "OS-DCF:diskConfig": "MANUAL", "progress": 0 if s["status"] != "ACTIVE" else 100,
            "OS-EXT-AZ:availability_zone": s.get("availability_zone") or "nova",
            "config_drive": "True" if s.get("config_drive") else "", "key_name": s.get("key_name"),
            "OS-SRV-USG:launched_at": _usage_time(s.get("launched_at")), "OS-SRV-USG:terminated_at": None,
            "OS-EXT-SRV-ATTR:host": self.cfg.host_name, "OS-EXT-SRV-ATTR:hypervisor_hostname": self.cfg.host_name,
            "OS-EXT-SRV-ATTR:instance_name": "instance-%s" % s["id"][:8],
            "OS-EXT-STS:task_state": s.get("task_state"), "OS-EXT-STS:vm_state": s.get("vm_state"),
            "OS-EXT-STS:power_state": s.get("power_state", 0),
            "os-extended-volumes:volumes_attached": [
                {"id": v["id"], "delete_on_termination": bool(v.get("delete_on_termination"))} for v in s["volumes"]],
            "security_groups": sgs or [{"name": "default"}],
        }
        if s.get("fault") and s["status"] == "ERROR":
            view["fault"] = s["fault"]
        return view

    def get(self, sid, caller):
        s = self.store.get("server", sid)
        if s is None or (s["project_id"] != caller.project_id and not caller.is_admin):
            raise HTTPError(404, "Instance %s could not be found." % sid)
        return s

    # --- handlers ---------------------------------------------------------------
    def versions(self, req, caller):
        return 300, {"versions": [self._version_doc(req)]}

    def version(self, req, caller):
        return 200, {"version": self._version_doc(req)}

    def _version_doc(self, req):
        return {"id": "v2.1", "status": "CURRENT", "version": MAX_VERSION, "min_version": MIN_VERSION,
                "updated": "2013-07-23T11:33:21Z",
                "links": [{"rel": "self", "href": self.cfg.public_url + "/compute/v2.1/"}],
                "media-types": [{"base": "application/json",
                                 "type": "application/vnd.openstack.compute+json;version=2.1"}]}

    def flavor_show(self, req, caller, id):
        _version(req)
        if self.faults.fire("api_500", id, detail="GET flavor " + id):
            raise HTTPError(500, "lab fault api_500: Unexpected API Error. Please report this at "
                                 "http://bugs.launchpad.net/nova/ and attach the Nova API log if possible.")
        f = self.store.get("flavor", id)
        if f is None:
            raise HTTPError(404, "Flavor %s could not be found." % id)
        return 200, {"flavor": flavor_view(self.cfg.public_url, f)}

    def flavor_list(self, req, caller):
        _version(req)
        flavors = sorted(self.store.list("flavor"), key=lambda f: (f["ram"], f["id"]))
        return 200, {"flavors": [flavor_view(self.cfg.public_url, f) for f in flavors]}

    def flavor_create(self, req, caller):
        if not caller.is_admin:
            raise HTTPError(403, "Policy doesn't allow os_compute_api:os-flavor-manage:create to be performed.")
        fb = json_body(req).get("flavor") or {}
        try:
            f = {"id": str(fb.get("id") or uuid.uuid4()), "name": fb["name"], "ram": int(fb["ram"]),
                 "vcpus": int(fb["vcpus"]), "disk": int(fb.get("disk", 0)),
                 "ephemeral": int(fb.get("OS-FLV-EXT-DATA:ephemeral", 0))}
        except (KeyError, TypeError, ValueError) as e:
            raise HTTPError(400, "Invalid flavor: %s" % e)
        if any(x["name"] == f["name"] for x in self.store.list("flavor")):
            raise HTTPError(409, "Flavor with name %s already exists." % f["name"])
        self.store.create("flavor", f)
        return 200, {"flavor": flavor_view(self.cfg.public_url, f)}

    def flavor_delete(self, req, caller, id):
        if not caller.is_admin:
            raise HTTPError(403, "Policy doesn't allow os_compute_api:os-flavor-manage:delete to be performed.")
        if not self.store.delete("flavor", id):
            raise HTTPError(404, "Flavor %s could not be found." % id)
        return 202, None

    def server_create(self, req, caller):
        _version(req)
        body = json_body(req)
        sb = body.get("server") or {}
        for k in ("name", "flavorRef"):
            if not sb.get(k):
                raise HTTPError(400, "Invalid input for field/attribute %s." % k)
        flavor_id = str(sb["flavorRef"]).rstrip("/").split("/")[-1]
        if self.store.get("flavor", flavor_id) is None:
            raise HTTPError(400, "Flavor %s could not be found." % flavor_id)
        image_id = str(sb.get("imageRef") or "").rstrip("/").split("/")[-1]
        bdm = sb.get("block_device_mapping_v2") or []
        if not image_id and not any(b.get("boot_index") in (0, "0") for b in bdm):
            raise HTTPError(400, "Missing imageRef attribute")
        nics = []
        networks = sb.get("networks")
        if networks in ("auto", "none"):
            networks = [] if networks == "none" else None
        for n in networks or []:
            if n.get("port"):
                p = self.store.get("port", n["port"])
                if p is None:
                    raise HTTPError(400, "Port %s could not be found." % n["port"])
                if p["device_id"]:
                    raise HTTPError(409, "Port %s is still in use." % n["port"])
                nics.append({"port-id": n["port"]})
            elif n.get("uuid"):
                if self.store.get("network", n["uuid"]) is None:
                    raise HTTPError(400, "Network %s could not be found." % n["uuid"])
                nics.append({"net-id": n["uuid"]})
        if networks is None:
            nics = [{}]  # the default network
        volumes = []
        for b in bdm:
            if b.get("source_type") == "volume" and b.get("destination_type") == "volume":
                vol = self.store.get("volume", b.get("uuid", ""))
                if vol is None:
                    raise HTTPError(400, "Block Device Mapping is Invalid: failed to get volume %s." % b.get("uuid"))
                dev = b.get("device_name") or "vdb"
                volumes.append({"id": vol["id"], "device": dev if dev.startswith("/dev/") else "/dev/" + dev,
                                "delete_on_termination": bool(b.get("delete_on_termination"))})
        sid = str(uuid.uuid4())
        s = {"id": sid, "name": sb["name"], "project_id": caller.project_id, "user_id": caller.user_id,
             "status": "BUILD", "vm_state": "building", "task_state": "scheduling", "power_state": 0,
             "image_id": image_id, "flavor_id": flavor_id, "metadata": sb.get("metadata") or {},
             "created": now(), "updated": now(), "nics": nics, "volumes": volumes,
             "user_data": sb.get("user_data"), "personality": sb.get("personality") or [],
             "config_drive": bool(sb.get("config_drive")), "key_name": sb.get("key_name"),
             "availability_zone": sb.get("availability_zone"),
             "scheduler_hints": body.get("os:scheduler_hints") or body.get("OS-SCH-HNT:scheduler_hints") or {},
             "created_ports": [], "fault": None}
        self.store.create("server", s)
        group = s["scheduler_hints"].get("group")
        if group:
            def add(g):
                g["members"].append(sid)
            if self.store.update("server_group", group, add) is None:
                self.store.delete("server", sid)
                raise HTTPError(400, "Server group %s could not be found." % group)
        self.host.submit(sid, self.host.boot)
        return 202, {"server": {"id": sid, "links": _link(self.cfg.public_url, "servers", sid),
                                "OS-DCF:diskConfig": "MANUAL", "security_groups": [{"name": "default"}],
                                "adminPass": uuid.uuid4().hex[:12]}}

    def server_show(self, req, caller, id):
        _version(req)
        return 200, {"server": self.server_view(self.get(id, caller))}

    def server_list(self, req, caller, detail=True):
        _version(req)
        all_tenants = req.GET.get("all_tenants") in ("1", "True", "true") and caller.is_admin
        servers = []
        for s in self.store.list("server"):
            if not all_tenants and s["project_id"] != caller.project_id:
                continue
            if req.GET.get("name") and req.GET["name"] not in s["name"]:
                continue
            if req.GET.get("status") and s["status"] != req.GET["status"].upper():
                continue
            servers.append(s)
        servers.sort(key=lambda s: (s["created"], s["id"]), reverse=True)
        marker = req.GET.get("marker")
        if marker:
            ids = [s["id"] for s in servers]
            if marker not in ids:
                raise HTTPError(400, "marker [%s] not found" % marker)
            servers = servers[ids.index(marker) + 1:]
        limit = req.GET.get("limit")
        if limit and int(limit) >= 0:
            servers = servers[:int(limit)]
        if detail:
            return 200, {"servers": [self.server_view(s) for s in servers]}
        return 200, {"servers": [{"id": s["id"], "name": s["name"],
                                  "links": _link(self.cfg.public_url, "servers", s["id"])} for s in servers]}

    def server_delete(self, req, caller, id):
        _version(req)
        s = self.get(id, caller)
        self.host._set(s["id"], task_state="deleting")
        self.host.submit(s["id"], self.host.delete)
        return 204, None

    def server_action(self, req, caller, id):
        _version(req)
        s = self.get(id, caller)
        body = json_body(req)
        if len(body) != 1:
            raise HTTPError(400, "exactly one server action per request")
        action, args = next(iter(body.items()))
        args = args or {}
        st = s["status"]

        def need(*states):
            if st not in states:
                raise HTTPError(409, "Cannot '%s' instance %s while it is in vm_state %s"
                                % (action, id, s.get("vm_state")), "conflictingRequest")

        h = self.host
        if action == "reboot":
            need("ACTIVE", "SHUTOFF", "ERROR")
            h._set(id, status="HARD_REBOOT" if args.get("type") == "HARD" else "REBOOT", task_state="rebooting")
            h.submit(id, h.reboot)
        elif action == "rebuild":
            need("ACTIVE", "SHUTOFF", "ERROR")
            image_id = str(args.get("imageRef") or "").rstrip("/").split("/")[-1]
            if not image_id:
                raise HTTPError(400, "Invalid input for field/attribute imageRef.")
            h._set(id, status="REBUILD", task_state="rebuilding", image_id=image_id, fault=None)
            h.submit(id, h.rebuild, image_id, args.get("personality") or [])
            s = self.store.get("server", id)
            return 202, {"server": dict(self.server_view(s), adminPass=uuid.uuid4().hex[:12])}
        elif action == "resize":
            need("ACTIVE", "SHUTOFF")
            flavor_id = str(args.get("flavorRef", "")).rstrip("/").split("/")[-1]
            if self.store.get("flavor", flavor_id) is None:
                raise HTTPError(400, "Flavor %s could not be found." % flavor_id)
            if flavor_id == s["flavor_id"]:
                raise HTTPError(400, "When resizing, instances must change flavor!")
            h._set(id, status="RESIZE", task_state="resize_prep")
            h.submit(id, h.resize, flavor_id)
        elif action == "confirmResize":
            need("VERIFY_RESIZE")
            h._set(id, status="ACTIVE", vm_state="active", old_flavor_id=None)
        elif action == "revertResize":
            need("VERIFY_RESIZE")
            h._set(id, status="REVERT_RESIZE", task_state="resize_reverting")
            h.submit(id, h.revert_resize)
        elif action == "os-stop":
            need("ACTIVE", "ERROR")
            h._set(id, task_state="powering-off")
            h.submit(id, h.stop)
        elif action == "os-start":
            need("SHUTOFF")
            h._set(id, task_state="powering-on")
            h.submit(id, h.start)
        else:
            raise HTTPError(400, "the stand-in does not implement server action %s" % action)
        return 202, None

    def groups(self, req, caller):
        all_projects = req.GET.get("all_projects") in ("1", "True", "true") and caller.is_admin
        return 200, {"server_groups": [g for g in self.store.list("server_group")
                                       if all_projects or g["project_id"] == caller.project_id]}

    def group_create(self, req, caller):
        body = json_body(req).get("server_group") or {}
        policies = body.get("policies") or ([body["policy"]] if body.get("policy") else [])
        if not body.get("name") or not policies:
            raise HTTPError(400, "Invalid input: server_group needs a name and a policy")
        g = {"id": str(uuid.uuid4()), "name": body["name"], "policies": policies, "members": [], "metadata": {},
             "project_id": caller.project_id, "user_id": caller.user_id}
        return 200, {"server_group": self.store.create("server_group", g)}

    def group_show(self, req, caller, id):
        g = self.store.get("server_group", id)
        if g is None or (g["project_id"] != caller.project_id and not caller.is_admin):
            raise HTTPError(404, "Server group %s could not be found." % id)
        return 200, {"server_group": g}

    def group_delete(self, req, caller, id):
        self.group_show(req, caller, id)
        self.store.delete("server_group", id)
        return 204, None

    def attachments(self, req, caller, id):
        s = self.get(id, caller)
        return 200, {"volumeAttachments": [{"id": v["id"], "volumeId": v["id"], "serverId": id,
                                             "device": v["device"]} for v in s["volumes"]]}

    def attach(self, req, caller, id):
        s = self.get(id, caller)
        va = json_body(req).get("volumeAttachment") or {}
        vid = va.get("volumeId", "")
        if self.store.get("volume", vid) is None:
            raise HTTPError(404, "Volume %s could not be found." % vid)
        dev = va.get("device") or "/dev/vdb"
        self.host.attach_volume(s["id"], vid, dev)
        return 200, {"volumeAttachment": {"id": vid, "volumeId": vid, "serverId": id, "device": dev}}

    def detach(self, req, caller, id, volume_id):
        s = self.get(id, caller)
        if not any(v["id"] == volume_id for v in s["volumes"]):
            raise HTTPError(404, "volume_id not found: %s" % volume_id)
        self.host.detach_volume(s["id"], volume_id)
        return 202, None


def install(app, nova):
    P = "/compute/v2.1"
    app.add("compute", "GET", "/compute", nova.versions, auth=False)
    app.add("compute", "GET", P, nova.version, auth=False)
    app.add("compute", "GET", P + "/flavors/detail", nova.flavor_list)
    app.add("compute", "GET", P + "/flavors", nova.flavor_list)
    app.add("compute", "GET", P + "/flavors/{id}", nova.flavor_show)
    app.add("compute", "POST", P + "/flavors", nova.flavor_create)
    app.add("compute", "DELETE", P + "/flavors/{id}", nova.flavor_delete)
    app.add("compute", "POST", P + "/servers", nova.server_create)
    app.add("compute", "GET", P + "/servers/detail", nova.server_list)
    app.add("compute", "GET", P + "/servers", lambda req, caller: nova.server_list(req, caller, detail=False))
    app.add("compute", "GET", P + "/servers/{id}", nova.server_show)
    app.add("compute", "DELETE", P + "/servers/{id}", nova.server_delete)
    app.add("compute", "POST", P + "/servers/{id}/action", nova.server_action)
    app.add("compute", "GET", P + "/os-server-groups", nova.groups)
    app.add("compute", "POST", P + "/os-server-groups", nova.group_create)
    app.add("compute", "GET", P + "/os-server-groups/{id}", nova.group_show)
    app.add("compute", "DELETE", P + "/os-server-groups/{id}", nova.group_delete)
    app.add("compute", "GET", P + "/servers/{id}/os-volume_attachments", nova.attachments)
    app.add("compute", "POST", P + "/servers/{id}/os-volume_attachments", nova.attach)
    app.add("compute", "DELETE", P + "/servers/{id}/os-volume_attachments/{volume_id}", nova.detach)
