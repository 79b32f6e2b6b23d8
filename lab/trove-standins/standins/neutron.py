"""Neutron v2.0 stand-in: networks, subnets, ports, floating IPs, security groups.

What Trove (18 and 23) calls, through python-neutronclient: list/show
networks (router:external for the public network, management networks by
id), list/show subnets (CIDR overlap check), create/list/update/delete
ports (filters device_id, name, device_owner, network_id, fixed_ips=
subnet_id=X), floating IPs for public instances, security groups and
their rules, show_extension. Addresses come from each network's pool in
the config; security groups are recorded, not enforced (no packet filter).
"""
import datetime
import ipaddress
import uuid

from standins.wsgi import HTTPError, json_body

EXTENSIONS = ("project-id", "security-group", "router", "external-net", "quotas", "standard-attr-description")


def now():
    return datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")


def net_id(name):
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "lab-standins/network/" + name))


def subnet_id(name):
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "lab-standins/subnet/" + name))


class Network:
    """The Neutron model: shared by the API below and by Nova's server boot."""

    def __init__(self, store, cfg):
        self.store = store
        self.cfg = cfg

    def seed(self, project_id=""):
        """Create the configured networks, subnets and router interfaces (idempotent)."""
        for n in self.cfg.networks:
            nid, sid = net_id(n["name"]), subnet_id(n["name"])
            if not self.store.get("network", nid):
                self.store.put("network", {
                    "id": nid, "name": n["name"], "subnets": [sid], "router:external": n["external"],
                    "shared": True, "status": "ACTIVE", "admin_state_up": True, "mtu": 1500,
                    "tenant_id": project_id, "project_id": project_id, "description": "",
                    "availability_zones": ["nova"], "created_at": now(), "updated_at": now(),
                    "is_default": n["default"], "port_security_enabled": True, "tags": []})
            self.store.put("subnet", {
                "id": sid, "name": n["name"] + "-subnet", "network_id": nid, "cidr": n["cidr"],
                "ip_version": 4, "gateway_ip": n["gateway"] or None,
                "allocation_pools": [{"start": n["pool"][0], "end": n["pool"][1]}],
                "host_routes": [], "dns_nameservers": [], "enable_dhcp": True,
                "tenant_id": project_id, "project_id": project_id, "description": "",
                "ipv6_ra_mode": None, "ipv6_address_mode": None, "subnetpool_id": None,
                "created_at": now(), "updated_at": now(), "tags": []})
            if n["router"] and n["gateway"]:
                rid = str(uuid.uuid5(uuid.NAMESPACE_URL, "lab-standins/router-port/" + n["name"]))
                if not self.store.get("port", rid):
                    self.store.put("port", self._port_doc(
                        rid, "", "", nid, [{"subnet_id": sid, "ip_address": n["gateway"]}], [],
                        project_id, device_id="lab-router", device_owner="network:router_interface"))

    def default_network(self):
        for n in self.cfg.networks:
            if n["default"] and not n["external"]:
                return self.store.get("network", net_id(n["name"]))
        raise HTTPError(400, "no default network configured")

    def _used_ips(self, sid):
        used = set()
        for p in self.store.list("port"):
            for f in p["fixed_ips"]:
                if f["subnet_id"] == sid:
                    used.add(f["ip_address"])
        for f in self.store.list("floatingip"):
            used.add(f["floating_ip_address"])
        return used

    def allocate(self, network, want_subnet=None, want_ip=None):
        """One free address: (subnet_id, ip) from the network's pool."""
        for sid in network["subnets"]:
            if want_subnet and sid != want_subnet:
                continue
            sub = self.store.get("subnet", sid)
            used = self._used_ips(sid)
            if want_ip:
                if ipaddress.ip_address(want_ip) not in ipaddress.ip_network(sub["cidr"]):
                    raise HTTPError(400, "IP address %s is not in subnet %s" % (want_ip, sid), "InvalidIpForSubnet")
                if want_ip in used:
                    raise HTTPError(409, "IP address %s already allocated in subnet %s" % (want_ip, sid),
                                    "IpAddressAlreadyAllocated")
                return sid, want_ip
            for pool in sub["allocation_pools"]:
                a, b = ipaddress.ip_address(pool["start"]), ipaddress.ip_address(pool["end"])
                ip = a
                while ip <= b:
                    if str(ip) not in used:
                        return sid, str(ip)
                    ip += 1
        raise HTTPError(409, "No more IP addresses available on network %s." % network["id"],
                        "IpAddressGenerationFailure")

    @staticmethod
    def _port_doc(pid, name, description, nid, fixed_ips, sgs, project_id, device_id="", device_owner=""):
        mac = "fa:16:3e:%02x:%02x:%02x" % tuple(uuid.UUID(pid).bytes[:3])
        return {"id": pid, "name": name, "description": description, "network_id": nid,
                "fixed_ips": fixed_ips, "security_groups": sgs, "mac_address": mac,
                "device_id": device_id, "device_owner": device_owner, "status": "ACTIVE" if device_id else "DOWN",
                "admin_state_up": True, "tenant_id": project_id, "project_id": project_id,
                "allowed_address_pairs": [], "extra_dhcp_opts": [], "binding:vnic_type": "normal",
                "port_security_enabled": True, "created_at": now(), "updated_at": now(), "tags": []}

    def create_port(self, body, project_id):
        nid = body.get("network_id")
        network = self.store.get("network", nid) if nid else None
        if network is None:
            raise HTTPError(404, "Network %s could not be found." % nid, "NetworkNotFound")
        fixed = []
        want = body.get("fixed_ips") or [{}]
        for f in want:
            sid, ip = self.allocate(network, f.get("subnet_id"), f.get("ip_address"))
            fixed.append({"subnet_id": sid, "ip_address": ip})
        pid = str(uuid.uuid4())
        doc = self._port_doc(pid, body.get("name", ""), body.get("description", ""), nid, fixed,
                             body.get("security_groups") or [], body.get("project_id") or body.get("tenant_id")
                             or project_id, body.get("device_id", ""), body.get("device_owner", ""))
        return self.store.create("port", doc)

    def bind_port(self, pid, server_id):
        def f(p):
            p["device_id"], p["device_owner"], p["status"], p["updated_at"] = server_id, "compute:nova", "ACTIVE", now()
        return self.store.update("port", pid, f)

    def unbind_port(self, pid):
        def f(p):
            p["device_id"], p["device_owner"], p["status"], p["updated_at"] = "", "", "DOWN", now()
        return self.store.update("port", pid, f)

    def delete_port(self, pid):
        for fip in self.store.list("floatingip", port_id=pid):
            self.store.delete("floatingip", fip["id"])
        return self.store.delete("port", pid)

    def server_addresses(self, server_id):
        """[(network doc, port doc, ip, kind)] of a server: fixed IPs, then floating IPs."""
        out = []
        for p in self.store.list("port", device_id=server_id):
            net = self.store.get("network", p["network_id"])
            for f in p["fixed_ips"]:
                out.append((net, p, f["ip_address"], "fixed"))
            for fip in self.store.list("floatingip", port_id=p["id"]):
                out.append((net, p, fip["floating_ip_address"], "floating"))
        return out


def _filters(req, skip=("fields", "limit", "marker", "sort_key", "sort_dir", "page_reverse")):
    out = {}
    for k, v in req.GET.items():
        if k in skip:
            continue
        out.setdefault(k, []).append(v)
    return out


def _matches(doc, filters):
    for k, values in filters.items():
        if k == "fixed_ips":
            for v in values:
                key, _, want = v.partition("=")
                if not any(str(f.get(key)) == want for f in doc.get("fixed_ips", [])):
                    return False
            continue
        have = doc.get(k)
        if isinstance(have, bool):
            have = "true" if have else "false"
            values = [v.lower() for v in values]
        if str(have if have is not None else "") not in values:
            return False
    return True


def _visible(doc, caller):
    if caller.is_admin or doc.get("shared"):
        return True
    return doc.get("project_id") in ("", caller.project_id)


def _fields(doc, req):
    fields = req.GET.getall("fields")
    return {k: v for k, v in doc.items() if k in fields} if fields else doc


def install(app, store, network):
    P = "/networking/v2.0"

    def listing(kind, plural):
        def handler(req, caller):
            filters = _filters(req)
            docs = [_fields(d, req) for d in store.list(kind) if _visible(d, caller) and _matches(d, filters)]
            return 200, {plural: docs}
        return handler

    def show(kind, label):
        def handler(req, caller, id):
            doc = store.get(kind, id)
            if doc is None or not _visible(doc, caller):
                raise HTTPError(404, "%s %s could not be found." % (label, id), label.replace(" ", "") + "NotFound")
            return 200, {kind: _fields(doc, req)}
        return handler

    def versions(req, caller):
        return 200, {"versions": [{"id": "v2.0", "status": "CURRENT",
                                   "links": [{"rel": "self", "href": req.host_url + "/networking/v2.0/"}]}]}

    app.add("network", "GET", "/networking", versions, auth=False)
    def ext_doc(alias):
        return {"alias": alias, "name": alias, "description": "", "updated": "2013-01-01T00:00:00-00:00",
                "links": []}

    def show_extension(req, caller, alias):
        if alias not in EXTENSIONS:
            raise HTTPError(404, "Extension with alias %s does not exist" % alias)
        return 200, {"extension": ext_doc(alias)}

    app.add("network", "GET", P + "/extensions/{alias}", show_extension)
    app.add("network", "GET", P + "/extensions", lambda req, caller: (200, {"extensions": [
        ext_doc(a) for a in EXTENSIONS]}))

    app.add("network", "GET", P + "/networks", listing("network", "networks"))
    app.add("network", "GET", P + "/networks/{id}", show("network", "Network"))
    app.add("network", "GET", P + "/subnets", listing("subnet", "subnets"))
    app.add("network", "GET", P + "/subnets/{id}", show("subnet", "Subnet"))
    app.add("network", "GET", P + "/ports", listing("port", "ports"))
    app.add("network", "GET", P + "/ports/{id}", show("port", "Port"))

    def create_port(req, caller):
        body = json_body(req).get("port") or {}
        return 201, {"port": network.create_port(body, caller.project_id)}

    def update_port(req, caller, id):
        body = json_body(req).get("port") or {}

        def f(p):
            for k in ("name", "description", "security_groups", "admin_state_up", "device_id", "device_owner"):
                if k in body:
                    p[k] = body[k]
            p["updated_at"] = now()
        doc = store.update("port", id, f)
        if doc is None:
            raise HTTPError(404, "Port %s could not be found." % id, "PortNotFound")
        return 200, {"port": doc}

    def delete_port(req, caller, id):
        if not network.delete_port(id):
            raise HTTPError(404, "Port %s could not be found." % id, "PortNotFound")
        return 204, None

    app.add("network", "POST", P + "/ports", create_port)
    app.add("network", "PUT", P + "/ports/{id}", update_port)
    app.add("network", "DELETE", P + "/ports/{id}", delete_port)

    # floating IPs
    app.add("network", "GET", P + "/floatingips", listing("floatingip", "floatingips"))
    app.add("network", "GET", P + "/floatingips/{id}", show("floatingip", "Floating IP"))

    def create_fip(req, caller):
        body = json_body(req).get("floatingip") or {}
        ext = store.get("network", body.get("floating_network_id", ""))
        if ext is None or not ext["router:external"]:
            raise HTTPError(404, "External network %s not found" % body.get("floating_network_id"),
                            "ExternalNetworkNotFound")
        _, ip = network.allocate(ext)
        fixed = None
        if body.get("port_id"):
            port = store.get("port", body["port_id"])
            if port is None:
                raise HTTPError(404, "Port %s could not be found." % body["port_id"], "PortNotFound")
            fixed = port["fixed_ips"][0]["ip_address"]
        project = body.get("project_id") or body.get("tenant_id") or caller.project_id
        doc = {"id": str(uuid.uuid4()), "floating_ip_address": ip, "floating_network_id": ext["id"],
               "port_id": body.get("port_id"), "fixed_ip_address": fixed, "router_id": None,
               "status": "ACTIVE" if fixed else "DOWN", "tenant_id": project, "project_id": project,
               "description": body.get("description", ""), "created_at": now(), "updated_at": now(),
               "tags": []}
        return 201, {"floatingip": store.create("floatingip", doc)}

    def delete_fip(req, caller, id):
        if not store.delete("floatingip", id):
            raise HTTPError(404, "Floating IP %s could not be found" % id, "FloatingIPNotFound")
        return 204, None

    app.add("network", "POST", P + "/floatingips", create_fip)
    app.add("network", "DELETE", P + "/floatingips/{id}", delete_fip)

    # security groups
    app.add("network", "GET", P + "/security-groups", listing("security_group", "security_groups"))
    app.add("network", "GET", P + "/security-groups/{id}", show("security_group", "Security group"))

    def create_sg(req, caller):
        body = json_body(req).get("security_group") or {}
        project = body.get("project_id") or body.get("tenant_id") or caller.project_id
        doc = {"id": str(uuid.uuid4()), "name": body.get("name", ""), "description": body.get("description", ""),
               "tenant_id": project, "project_id": project, "security_group_rules": [], "stateful": True,
               "created_at": now(), "updated_at": now(), "tags": []}
        return 201, {"security_group": store.create("security_group", doc)}

    def delete_sg(req, caller, id):
        if not store.delete("security_group", id):
            raise HTTPError(404, "Security group %s does not exist" % id, "SecurityGroupNotFound")
        for r in store.list("security_group_rule", security_group_id=id):
            store.delete("security_group_rule", r["id"])
        return 204, None

    app.add("network", "POST", P + "/security-groups", create_sg)
    app.add("network", "DELETE", P + "/security-groups/{id}", delete_sg)

    app.add("network", "GET", P + "/security-group-rules", listing("security_group_rule", "security_group_rules"))

    def create_rule(req, caller):
        body = json_body(req).get("security_group_rule") or {}
        sg = store.get("security_group", body.get("security_group_id", ""))
        if sg is None:
            raise HTTPError(404, "Security group %s does not exist" % body.get("security_group_id"),
                            "SecurityGroupNotFound")
        doc = {"id": str(uuid.uuid4()), "security_group_id": sg["id"], "direction": body.get("direction", "ingress"),
               "ethertype": body.get("ethertype", "IPv4"), "protocol": body.get("protocol"),
               "port_range_min": body.get("port_range_min"), "port_range_max": body.get("port_range_max"),
               "remote_ip_prefix": body.get("remote_ip_prefix"), "remote_group_id": body.get("remote_group_id"),
               "tenant_id": sg["project_id"], "project_id": sg["project_id"], "description": "",
               "created_at": now(), "updated_at": now()}
        store.create("security_group_rule", doc)

        def f(s):
            s["security_group_rules"].append(doc)
        store.update("security_group", sg["id"], f)
        return 201, {"security_group_rule": doc}

    def delete_rule(req, caller, id):
        rule = store.get("security_group_rule", id)
        if rule is None:
            raise HTTPError(404, "Security group rule %s does not exist" % id, "SecurityGroupRuleNotFound")
        store.delete("security_group_rule", id)

        def f(s):
            s["security_group_rules"] = [r for r in s["security_group_rules"] if r["id"] != id]
        store.update("security_group", rule["security_group_id"], f)
        return 204, None

    app.add("network", "POST", P + "/security-group-rules", create_rule)
    app.add("network", "DELETE", P + "/security-group-rules/{id}", delete_rule)
