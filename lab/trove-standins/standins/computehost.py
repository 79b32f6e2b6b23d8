"""The compute host behind the Nova stand-in: server lifecycle and guests.

A server's "root disk" is STATE/servers/ID/root: the files Trove injects
(cloud-config write_files in user_data at create, personality files at
rebuild) are written there as a VM's cloud-init would, plus
/etc/lab-guest/server.json (what the hardware is: addresses, volumes).
Booting a server starts its guest agent (standins.guest) on that root:
a child process in its own session (dev mode), or the systemd unit
lab-guest@ID (inside devstack1). Rebuild wipes the root disk, keeps the
volumes, and boots the guest again; delete stops the guest and removes the
disk and the volumes marked delete_on_termination.

Every action runs in a worker thread, one at a time per server, and its
progress is in the server document, so a restarted stand-in resumes
servers caught in BUILD/REBUILD/REBOOT/RESIZE/deleting and starts the
guests of ACTIVE servers that are not running (a host coming back).
"""
import base64
import datetime
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import yaml
from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import loading as ks_loading
from keystoneauth1 import session as ks_session

from standins.wsgi import HTTPError

LOG = logging.getLogger("standins.compute")
CODE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def now():
    return datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")


class Glance:
    """Asks the real Glance whether an image exists, with the stand-in's own service credentials."""

    def __init__(self, keystone_opts):
        self._opts = keystone_opts
        self._sess = None

    def _session(self):
        if self._sess is None:
            o = self._opts
            auth = ks_loading.get_plugin_loader("password").load_from_options(
                auth_url=o["auth_url"], username=o["username"], password=o["password"],
                project_name=o.get("project_name", "service"),
                user_domain_name=o.get("user_domain_name", "Default"),
                project_domain_name=o.get("project_domain_name", "Default"))
            self._sess = ks_session.Session(auth=auth)
        return self._sess

    def image(self, image_id):
        """The image document, or None when Glance does not have it (404)."""
        try:
            resp = self._session().get("/v2/images/%s" % image_id, raise_exc=False,
                                       endpoint_filter={"service_type": "image", "interface": "public",
                                                        "region_name": self._opts.get("region_name")})
        except ks_exc.ClientException as e:
            raise RuntimeError("Glance unreachable: %s" % e)
        if resp.status_code == 404:
            return None
        if resp.status_code != 200:
            raise RuntimeError("Glance answered %d for image %s" % (resp.status_code, image_id))
        return resp.json()


class ProcessLauncher:
    """Dev mode: the guest is a child process in its own session."""

    def __init__(self, cfg):
        self.cfg = cfg

    def _pidfile(self, sid):
        return os.path.join(self.cfg.state_dir, "servers", sid, "guest.pid")

    def alive(self, sid):
        try:
            pid, start = open(self._pidfile(sid)).read().split()
            with open("/proc/%s/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return fields[19] == start and fields[0] != "Z"
        except (OSError, ValueError, IndexError):
            return False

    def start(self, sid, root):
        if self.alive(sid):
            return
        log = open(os.path.join(self.cfg.guest_log_dir, sid + ".log"), "ab")
        env = dict(os.environ, PYTHONPATH=CODE_DIR)
        p = subprocess.Popen([self.cfg.guest["python"], "-m", "standins.guest", "--root", root],
                             stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                             cwd="/", env=env, start_new_session=True, close_fds=True)
        log.close()
        with open("/proc/%d/stat" % p.pid) as f:
            start = f.read().rsplit(")", 1)[1].split()[19]
        with open(self._pidfile(sid), "w") as f:
            f.write("%d %s\n" % (p.pid, start))
        threading.Thread(target=p.wait, daemon=True).start()  # reap it if it dies while we run

    def stop(self, sid, timeout=60):
        if not self.alive(sid):
            return
        pid = int(open(self._pidfile(sid)).read().split()[0])
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive(sid) and not _group_alive(pid):
                return
            time.sleep(0.2)
        LOG.warning("guest of %s did not stop in %ds: KILL", sid, timeout)
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _group_alive(pgid):
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


class SystemdLauncher:
    """Inside devstack1: the guest is the systemd unit lab-guest@<server id>."""

    def __init__(self, cfg):
        self.cfg = cfg

    def _unit(self, sid):
        return self.cfg.guest_unit % sid

    def alive(self, sid):
        return subprocess.run(["systemctl", "is-active", "--quiet", self._unit(sid)]).returncode == 0

    def start(self, sid, root):
        subprocess.run(["systemctl", "start", "--no-block", self._unit(sid)], check=True)

    def stop(self, sid, timeout=60):
        subprocess.run(["systemctl", "stop", self._unit(sid)], check=False, timeout=timeout + 30)


class Host:
    def __init__(self, store, cfg, network, volumes, faults, glance):
        self.store = store
        self.cfg = cfg
        self.network = network
        self.volumes = volumes
        self.faults = faults
        self.glance = glance
        self.launcher = SystemdLauncher(cfg) if cfg.guest_launcher == "systemd" else ProcessLauncher(cfg)
        self._locks = {}
        self._locks_lock = threading.Lock()

    # --- plumbing -----------------------------------------------------------
    def server_dir(self, sid):
        return os.path.join(self.cfg.state_dir, "servers", sid)

    def root(self, sid):
        return os.path.join(self.server_dir(sid), "root")

    def _lock(self, sid):
        with self._locks_lock:
            return self._locks.setdefault(sid, threading.Lock())

    def submit(self, sid, fn, *args):
        def run():
            with self._lock(sid):
                try:
                    fn(sid, *args)
                except Exception as e:
                    LOG.exception("server %s: %s failed", sid, fn.__name__)
                    self._error(sid, "%s failed: %s" % (fn.__name__, e), 500)
        threading.Thread(target=run, name="%s-%s" % (fn.__name__, sid[:8]), daemon=True).start()

    def _set(self, sid, **fields):
        def f(s):
            s.update(fields)
            s["updated"] = now()
        return self.store.update("server", sid, f)

    def _error(self, sid, message, code=500):
        LOG.error("server %s -> ERROR: %s", sid, message)
        self._set(sid, status="ERROR", vm_state="error", task_state=None,
                  fault={"code": code, "message": message, "created": now()})

    def _identities(self, s):
        return (s["id"], s["name"], (s.get("metadata") or {}).get("trove_instance_id", ""))

    # --- what a VM's cloud-init and hardware would give the guest ------------
    def _write_files(self, s, personality):
        root = self.root(s["id"])
        files = {}
        if s.get("user_data"):
            try:
                ud = base64.b64decode(s["user_data"]).decode()
            except ValueError:
                ud = ""
            if ud.startswith("#cloud-config"):
                doc = yaml.safe_load(ud) or {}
                for wf in doc.get("write_files") or []:
                    content = wf.get("content", "")
                    if wf.get("encoding") in ("b64", "base64"):
                        content = base64.b64decode(content).decode()
                    files[wf["path"]] = content
        for p in personality or []:
            files[p["path"]] = base64.b64decode(p.get("contents", "")).decode()
        for path, content in files.items():
            dest = os.path.join(root, path.lstrip("/"))
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with open(dest, "w") as f:
                f.write(content)
            os.chmod(dest, 0o640)
        return sorted(files)

    def _hardware(self, s):
        addrs = [ip for _, _, ip, _ in self.network.server_addresses(s["id"])]
        vols = [{"id": v["id"], "device": v["device"], "path": self.volumes.path(v["id"]),
                 "size": (self.store.get("volume", v["id"]) or {}).get("size", 0)} for v in s["volumes"]]
        flavor = self.store.get("flavor", s["flavor_id"]) or {}
        hw = {"server_id": s["id"], "name": s["name"], "image_id": s["image_id"], "flavor": flavor,
              "metadata": s.get("metadata") or {}, "addresses": addrs, "volumes": vols,
              "faults_dir": self.cfg.faults_dir, "guest": self.cfg.guest, "booted_at": now()}
        path = os.path.join(self.root(s["id"]), "etc", "lab-guest", "server.json")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            json.dump(hw, f, indent=1)
        return addrs

    def _plug(self, addrs, add=True):
        if not self.cfg.plug_device:
            return
        for ip in addrs:
            cmd = ["ip", "addr", "add" if add else "del", ip + "/32", "dev", self.cfg.plug_device]
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode != 0 and "File exists" not in r.stderr and "Cannot assign" not in r.stderr:
                LOG.warning("%s: %s", " ".join(cmd), r.stderr.strip())

    def _power_on(self, s):
        addrs = self._hardware(s)
        self._plug(addrs)
        self.launcher.start(s["id"], self.root(s["id"]))

    def _power_off(self, sid):
        self.launcher.stop(sid)

    def _image_ok(self, sid, image_id):
        img = self.glance.image(image_id)
        if img is None:
            self._error(sid, "Image %s could not be found." % image_id, 404)
            return False
        if img.get("status") != "active":
            self._error(sid, "Image %s is not active (status %s)." % (image_id, img.get("status")), 400)
            return False
        return True

    # --- actions --------------------------------------------------------------
    def boot(self, sid):
        time.sleep(self.cfg.boot_seconds)
        s = self.store.get("server", sid)
        if s is None or s["status"] != "BUILD":
            return
        if self.faults.fire("boot_error", *self._identities(s), detail="server " + sid):
            self._error(sid, "lab fault boot_error: the server failed to spawn", 500)
            return
        if not self._image_ok(sid, s["image_id"]):
            return
        self._set(sid, task_state="networking")
        for nic in s["nics"]:
            if nic.get("port-id"):
                if self.network.bind_port(nic["port-id"], sid) is None:
                    self._error(sid, "Port %s could not be found." % nic["port-id"], 400)
                    return
            else:
                net = self.store.get("network", nic["net-id"]) if nic.get("net-id") else self.network.default_network()
                if net is None:
                    self._error(sid, "Network %s could not be found." % nic.get("net-id"), 400)
                    return
                try:
                    port = self.network.create_port({"network_id": net["id"], "device_id": sid,
                                                     "device_owner": "compute:nova"}, s["project_id"])
                except HTTPError as e:  # as Nova: the build is aborted, the server goes to ERROR
                    self._error(sid, "Build of instance %s aborted: %s" % (sid, e.message), 500)
                    return
                self._set(sid, created_ports=s.get("created_ports", []) + [port["id"]])
        self._set(sid, task_state="block_device_mapping")
        for v in s["volumes"]:
            vol = self.store.get("volume", v["id"])
            if vol is None:
                self._error(sid, "Volume %s could not be found." % v["id"], 400)
                return
            if not any(a["server_id"] == sid for a in vol["attachments"]):
                self.volumes.attach(v["id"], sid, v["device"])
        self._set(sid, task_state="spawning")
        s = self.store.get("server", sid)
        shutil.rmtree(self.root(sid), ignore_errors=True)
        injected = self._write_files(s, s.get("personality"))
        self._power_on(s)
        self._set(sid, status="ACTIVE", vm_state="active", task_state=None, power_state=1,
                  launched_at=now(), injected=injected)
        LOG.info("server %s (%s) ACTIVE, injected %s", sid, s["name"], injected)

    def rebuild(self, sid, image_id, personality):
        s = self.store.get("server", sid)
        self._power_off(sid)
        if self.faults.fire("rebuild_error", *self._identities(s), detail="rebuild to " + image_id):
            self._error(sid, "lab fault rebuild_error: rebuild of the server failed", 500)
            return
        if not self._image_ok(sid, image_id):
            return
        shutil.rmtree(self.root(sid), ignore_errors=True)
        s = self._set(sid, task_state="rebuild_spawning", personality=personality)
        injected = self._write_files(s, personality)
        self._power_on(s)
        self._set(sid, status="ACTIVE", vm_state="active", task_state=None, power_state=1,
                  launched_at=now(), injected=injected, fault=None)
        LOG.info("server %s rebuilt from image %s, injected %s", sid, image_id, injected)

    def reboot(self, sid):
        s = self.store.get("server", sid)
        self._power_off(sid)
        time.sleep(self.cfg.boot_seconds)
        self._power_on(s)
        self._set(sid, status="ACTIVE", vm_state="active", task_state=None, power_state=1)

    def stop(self, sid):
        self._power_off(sid)
        self._set(sid, status="SHUTOFF", vm_state="stopped", task_state=None, power_state=4)

    def start(self, sid):
        s = self.store.get("server", sid)
        self._power_on(s)
        self._set(sid, status="ACTIVE", vm_state="active", task_state=None, power_state=1)

    def resize(self, sid, flavor_id):
        s = self.store.get("server", sid)
        self._power_off(sid)
        time.sleep(self.cfg.boot_seconds)
        s = self._set(sid, flavor_id=flavor_id, old_flavor_id=s["flavor_id"])
        self._power_on(s)
        self._set(sid, status="VERIFY_RESIZE", vm_state="resized", task_state=None, power_state=1)

    def revert_resize(self, sid):
        s = self.store.get("server", sid)
        self._power_off(sid)
        s = self._set(sid, flavor_id=s.get("old_flavor_id") or s["flavor_id"], old_flavor_id=None)
        self._power_on(s)
        self._set(sid, status="ACTIVE", vm_state="active", task_state=None, power_state=1)

    def delete(self, sid):
        s = self.store.get("server", sid)
        if s is None:
            return
        self._power_off(sid)
        addrs = [ip for _, _, ip, _ in self.network.server_addresses(sid)]
        self._plug(addrs, add=False)
        for v in s["volumes"]:
            self.volumes.detach(v["id"])
            if v.get("delete_on_termination") and self.store.get("volume", v["id"]):
                self.volumes.delete(v["id"])
        for p in self.store.list("port", device_id=sid):
            if p["id"] in s.get("created_ports", []):
                self.network.delete_port(p["id"])
            else:
                self.network.unbind_port(p["id"])
        for g in self.store.list("server_group"):
            if sid in g["members"]:
                self.store.update("server_group", g["id"], lambda d: d.update(members=[m for m in d["members"] if m != sid]))
        shutil.rmtree(self.server_dir(sid), ignore_errors=True)
        self.store.delete("server", sid)
        LOG.info("server %s deleted", sid)

    def attach_volume(self, sid, vid, device):
        self.volumes.attach(vid, sid, device)

        def f(s):
            s["volumes"].append({"id": vid, "device": device, "delete_on_termination": False})
        self.store.update("server", sid, f)

    def detach_volume(self, sid, vid):
        self.volumes.detach(vid)

        def f(s):
            s["volumes"] = [v for v in s["volumes"] if v["id"] != vid]
        self.store.update("server", sid, f)

    # --- a host coming back --------------------------------------------------
    def resume(self):
        for s in self.store.list("server"):
            sid, st, task = s["id"], s["status"], s.get("task_state")
            if task == "deleting":
                self.submit(sid, self.delete)
            elif st == "BUILD":
                self.submit(sid, self.boot)
            elif st == "REBUILD":
                self.submit(sid, self.rebuild, s["image_id"], s.get("personality"))
            elif st in ("REBOOT", "HARD_REBOOT"):
                self.submit(sid, self.reboot)
            elif st == "RESIZE":
                self.submit(sid, self.resize, s["flavor_id"])
            elif st in ("ACTIVE", "VERIFY_RESIZE") and not self.launcher.alive(sid):
                LOG.info("server %s is %s but its guest is not running: starting it", sid, st)
                self.submit(sid, lambda i: self._power_on(self.store.get("server", i)))


def setup_logging(cfg, name):
    handlers = [logging.FileHandler(cfg.log_file)] if cfg.log_file else [logging.StreamHandler(sys.stderr)]
    logging.basicConfig(level=logging.DEBUG if cfg.debug else logging.INFO, handlers=handlers,
                        format="%(asctime)s %(process)d %(levelname)s " + name + " %(name)s: %(message)s")
    for noisy in ("keystonemiddleware", "keystoneauth", "urllib3", "stevedore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
