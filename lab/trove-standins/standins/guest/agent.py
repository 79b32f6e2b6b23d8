"""The guest agent stand-in: Trove's guest RPC over RabbitMQ, a real MariaDB behind it.

Started by the compute stand-in on a server's root disk (ROOT). It reads
what Trove injected, exactly as Trove wrote it: ROOT/etc/trove/conf.d/
guest_info.conf (guest_id, datastore_manager, the instance's RPC key ...)
and trove-guestagent.conf (transport_url, control_exchange, report_interval,
[service_credentials], [<manager>] mount_point/device_path ...), in that
order as the real agent's --config-dir does, and ROOT/etc/lab-guest/
server.json (what the compute host gave it: addresses, volumes, flavor).

It serves topic guestagent.<guest_id> (server <guest_id>) with oslo.messaging,
encrypted with the instance key (standins.guest.rpcwire), and casts
heartbeats {"service_status": ...} and backup updates to the conductor
(topic conductor_queue). State that a real guest keeps on its root disk
(prepare done, database stopped on purpose, datastore version) is in
ROOT/opt/lab-guest/state.json; the data is on the volume.
"""
import argparse
import json
import logging
import os
import resource
import signal
import subprocess
import sys
import threading
import time
import uuid

import oslo_messaging as messaging
from oslo_config import cfg
from oslo_messaging.rpc import dispatcher

from standins.faults import Faults
from standins.guest import backup, mysqld, rpcwire

LOG = logging.getLogger("standins.guest")
RPC_VERSION = "1.2"   # Trove 18 sends up to 1.1, Trove 23 up to 1.2

# Trove's ServiceStatuses descriptions (trove/instance/service_status.py)
HEALTHY, RUNNING, SHUTDOWN, BUILDING, FAILED = "healthy", "running", "shutdown", "building", "failed to spawn"


def load_conf(root):
    conf_d = os.path.join(root, "etc", "trove", "conf.d")
    files = [os.path.join(conf_d, f) for f in sorted(os.listdir(conf_d)) if f.endswith(".conf")]
    conf = cfg.CONF  # oslo.messaging registers some of its options (metrics) on the global one only
    conf.register_opts([
        cfg.StrOpt("guest_id"), cfg.StrOpt("datastore_manager", default="mysql"),
        cfg.StrOpt("datastore_version"), cfg.StrOpt("tenant_id"), cfg.StrOpt("instance_rpc_encr_key", secret=True),
        cfg.IntOpt("report_interval", default=30), cfg.StrOpt("conductor_queue", default="trove-conductor"),
        cfg.StrOpt("storage_strategy", default="swift"),
        cfg.StrOpt("backup_swift_container", default="database_backups"),
    ])
    conf.register_opts([cfg.StrOpt("auth_url"), cfg.StrOpt("region_name", default="RegionOne")],
                       group="service_credentials")
    conf(args=[], default_config_files=files, project="trove", prog="lab-guest")
    manager = conf.datastore_manager
    conf.register_opts([
        cfg.StrOpt("mount_point", default="/var/lib/mysql"), cfg.StrOpt("device_path", default="/dev/vdb"),
        cfg.ListOpt("ignore_users", default=["os_admin", "root"]),
        cfg.ListOpt("ignore_dbs", default=["mysql", "information_schema", "performance_schema", "sys"]),
    ], group=manager)
    return conf, files


class State:
    """What the real guest keeps on its root disk (lost on rebuild, as there)."""

    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        try:
            with open(path) as f:
                self.d = json.load(f)
        except (FileNotFoundError, ValueError):
            self.d = {"prepared": False, "db_stopped": False, "ds_version": None, "status": None, "events": []}

    def get(self, k, default=None):
        return self.d.get(k, default)

    def set(self, event=None, **kw):
        with self.lock:
            self.d.update(kw)
            if event:
                self.d["events"] = (self.d.get("events") or [])[-49:] + [{"at": time.time(), "event": event}]
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            with open(self.path + ".tmp", "w") as f:
                json.dump(self.d, f, indent=1)
            os.replace(self.path + ".tmp", self.path)


def _schema(name, charset=None, collate=None):
    return {"_name": name, "_character_set": charset, "_collate": collate}


def _user(name, host, databases, is_root=False, password=None):
    return {"_name": name, "_host": host, "_password": password, "_databases": databases, "_is_root": is_root}


def _q(name):
    return "`%s`" % name.replace("`", "``")


class Agent:
    """The RPC endpoint: one method per guest API call Trove makes."""

    target = messaging.Target(version=RPC_VERSION)

    def __init__(self, root):
        self.root = root
        with open(os.path.join(root, "etc", "lab-guest", "server.json")) as f:
            self.hw = json.load(f)
        self.conf, self.conf_files = load_conf(root)
        self.guest_id = self.conf.guest_id
        if not self.guest_id:
            raise SystemExit("guest_id is not set: guest_info.conf was not injected (%s)" % self.conf_files)
        self.key = self.conf.instance_rpc_encr_key
        self.mconf = self.conf[self.conf.datastore_manager]
        self.faults = Faults(self.hw["faults_dir"])
        self.state = State(os.path.join(root, "opt", "lab-guest", "state.json"))
        self.lock = threading.RLock()
        self.volume_path, self.volume_size = self._volume()
        g = self.hw["guest"]
        os.makedirs(g["run_dir"], exist_ok=True)
        subprocess.run(["chown", "%s:%s" % (g["mysql_user"], g["mysql_user"]), g["run_dir"]], check=False)
        self.db = mysqld.MariaDB(
            datadir=os.path.join(self.volume_path, "data"),
            conf_dir=os.path.join(root, "etc", "lab-guest", "mysql"),
            run_prefix=os.path.join(g["run_dir"], self.hw["server_id"]),
            addresses=self.hw["addresses"], hw_guest=g)
        self.transport = messaging.get_rpc_transport(self.conf)
        target = messaging.Target(topic=self.conf.conductor_queue, version="1.0")
        ser = rpcwire.ConductorSerializer(self.key, self.guest_id)
        make = getattr(messaging, "get_rpc_client", None) or messaging.RPCClient
        self.conductor = make(self.transport, target, serializer=ser)
        self.server = None
        self.stopping = threading.Event()
        self.quiet_until = 0.0

    def _volume(self):
        """The directory standing for mount_point: the volume attached at device_path, else the root disk."""
        for v in self.hw["volumes"]:
            if v["device"] == self.mconf.device_path:
                return v["path"], int(v.get("size") or 0)
        path = os.path.join(self.root, self.mconf.mount_point.lstrip("/"))
        os.makedirs(path, exist_ok=True)
        return path, 0

    # --- status -------------------------------------------------------------------
    def actual_status(self):
        if self.state.get("failed"):
            return FAILED  # the database service failed and stays failed until an action fixes it
        if not self.db.running():
            return SHUTDOWN
        return HEALTHY if self.db.ping() else RUNNING

    def heartbeat(self, status, force=False):
        if not (force or self.state.get("prepared")):
            return
        self.conductor.prepare(version="1.0").cast(
            rpcwire.guest_context(self.guest_id), "heartbeat", instance_id=self.guest_id,
            payload={"service_status": status}, sent=time.time())
        if status != self.state.get("status"):
            LOG.info("status -> %s", status)
            self.state.set(status=status)

    def report_status(self):
        self.heartbeat(self.actual_status())

    def _heartbeats(self):
        interval = max(1, self.conf.report_interval)
        while not self.stopping.wait(interval):
            try:
                with self.lock:
                    if time.monotonic() < self.quiet_until:
                        continue  # an upgrade was announced (pre_upgrade): its status comes with it
                    self.report_status()
            except Exception:
                LOG.exception("heartbeat failed")

    def update_backup(self, ctxt, backup_id, **fields):
        self.conductor.prepare(version="1.0").cast(
            ctxt, "update_backup", instance_id=self.guest_id, backup_id=backup_id, sent=time.time(), **fields)

    # --- life cycle -------------------------------------------------------------------
    def boot(self):
        """What happens when the VM boots: the database comes back unless it was stopped on purpose."""
        if self.state.get("prepared") and not self.state.get("db_stopped") and self.db.initialized():
            try:
                self.db.start()
            except Exception:
                LOG.exception("database did not start at boot")
        self.state.set(event="boot (image %s)" % self.hw.get("image_id"))

    def run(self):
        target = messaging.Target(topic="guestagent.%s" % self.guest_id, server=self.guest_id, version=RPC_VERSION)
        self.boot()
        self.server = messaging.get_rpc_server(
            self.transport, target, [self], executor="threading",
            serializer=rpcwire.GuestSerializer(self.key), access_policy=dispatcher.DefaultRPCAccessPolicy)
        self.server.start()
        LOG.info("guest %s (server %s, %s) serving %s %.1f s after its start; addresses %s; data in %s",
                 self.guest_id, self.hw["server_id"], self.hw["name"], target.topic, _age(),
                 self.hw["addresses"], self.db.datadir)
        if self.state.get("prepared"):
            self.report_status()
        hb = threading.Thread(target=self._heartbeats, name="heartbeat", daemon=True)
        hb.start()
        self.stopping.wait()
        LOG.info("guest shutting down (the server powers off)")
        try:
            self.server.stop()
            self.server.wait()
        finally:
            self.db.stop()
            self.transport.cleanup()

    # --- RPC: instance ------------------------------------------------------------------
    def rpc_ping(self, ctxt):
        return True

    def prepare(self, ctxt, packages=None, databases=None, memory_mb=None, users=None, device_path=None,
                mount_point=None, backup_info=None, config_contents=None, root_password=None, overrides=None,
                cluster_config=None, snapshot=None, modules=None, ds_version=None, **kwargs):
        with self.lock:
            LOG.info("prepare: version %s, %d databases, %d users, backup %s", ds_version,
                     len(databases or []), len(users or []), (backup_info or {}).get("id"))
            self.state.set(prepared=False, db_stopped=False, failed=None,
                           ds_version=ds_version or self.conf.datastore_version, event="prepare")
            self.heartbeat(BUILDING, force=True)
            try:
                self._save_config(config_contents, overrides)
                self.db.stop()
                if not self.db.initialized():
                    self.db.write_config()
                    self.db.install()
                self.db.start()
                self._secure()
                if backup_info:
                    self._restore(ctxt, backup_info)
            except Exception as e:
                LOG.exception("prepare failed")
                self.state.set(event="prepare failed: %s" % e)
                self.heartbeat(FAILED, force=True)
                raise
            self.state.set(prepared=True, event="prepare done")
            self.report_status()
        if databases:
            self.create_database(ctxt, databases)
        if users:
            self.create_user(ctxt, users)
        if root_password and not backup_info:
            self.enable_root_with_password(ctxt, root_password)

    def _save_config(self, config_contents, overrides):
        """Keep what Trove rendered (my.cnf, overrides) where the real guest keeps it."""
        conf_dir = os.path.join(self.root, "etc", "mysql")
        os.makedirs(os.path.join(conf_dir, "conf.d"), exist_ok=True)
        if config_contents is not None:
            with open(os.path.join(conf_dir, "my.cnf"), "w") as f:
                f.write(config_contents)
        self._write_overrides(overrides or {})

    def _write_overrides(self, overrides):
        os.makedirs(self.db.conf_dir, exist_ok=True)
        with open(self.db.overrides, "w") as f:
            f.write("[mysqld]\n")
            for k, v in sorted(overrides.items()):
                f.write("%s = %s\n" % (k, v))
        with open(os.path.join(self.root, "etc", "mysql", "conf.d", "overrides.json"), "w") as f:
            json.dump(overrides, f)

    def _secure(self):
        self.db.execute([("DROP USER IF EXISTS ''@'localhost'", None),
                         ("DROP USER IF EXISTS ''@'%s'" % os.uname().nodename.replace("'", ""), None)])

    def _restore(self, ctxt, backup_info):
        conn, _ = backup.swift_for(ctxt, self.conf.service_credentials.auth_url,
                                   self.conf.service_credentials.region_name)
        data = backup.download(conn, backup_info["location"], backup_info.get("checksum"))
        backup.load(self.db, data)
        self.state.set(event="restored backup %s" % backup_info["id"])
        if self.faults.fire("restore_lose_row", self.guest_id, self.hw["server_id"], self.hw["name"],
                            detail="restore of backup %s" % backup_info["id"]):
            lost = backup.lose_a_row(self.db, set(self.mconf.ignore_dbs))
            LOG.warning("lab fault restore_lose_row: lost a row of %s", lost)
            self.state.set(event="fault restore_lose_row: %s" % lost)

    def restart(self, ctxt):
        with self.lock:
            self.db.stop()
            self.db.start()
            self.state.set(db_stopped=False, failed=None, event="restart")
            self.report_status()

    def stop_db(self, ctxt, do_not_start_on_reboot=False, **kwargs):
        with self.lock:
            self.db.stop()
            self.state.set(db_stopped=True, event="stop_db")
            self.report_status()

    def start_db_with_conf_changes(self, ctxt, config_contents, ds_version=None, **kwargs):
        with self.lock:
            self._save_config(config_contents, self._overrides())
            self.db.stop()
            self.db.start()
            self.state.set(db_stopped=False, ds_version=ds_version or self.state.get("ds_version"),
                           event="start_db_with_conf_changes")
            self.report_status()

    def reset_configuration(self, ctxt, configuration):
        self._save_config((configuration or {}).get("config_contents"), None)

    def pre_upgrade(self, ctxt):
        with self.lock:
            # Trove has set the status to UPGRADING and casts upgrade next; a periodic
            # heartbeat in between would report the old server HEALTHY and end the
            # taskmanager's wait before the upgrade ran
            self.quiet_until = time.monotonic() + 120
            self.state.set(event="pre_upgrade")
            return {}

    def upgrade(self, ctxt, upgrade_info):
        with self.lock:
            self.quiet_until = 0.0
            version = (upgrade_info or {}).get("datastore_version")
            LOG.info("upgrade to %s", version)
            if self.faults.fire("upgrade_error", self.guest_id, self.hw["server_id"], self.hw["name"],
                                detail="upgrade to %s" % version):
                self.db.stop()
                self.state.set(failed="upgrade to %s" % version,
                               event="fault upgrade_error: the database did not start after the upgrade to %s" % version)
                self.heartbeat(FAILED, force=True)
                return
            self.db.stop()
            self.db.start()
            self.state.set(db_stopped=False, failed=None, ds_version=version, event="upgraded to %s" % version)
            self.report_status()

    def post_upgrade(self, ctxt, upgrade_info):
        self.state.set(event="post_upgrade")

    def rebuild(self, ctxt, ds_version, config_contents=None, config_overrides=None, **kwargs):
        with self.lock:
            LOG.info("rebuild: restoring the database service on the volume (version %s)", ds_version)
            self.heartbeat(BUILDING, force=True)
            try:
                if not self.db.initialized():
                    raise RuntimeError("no database on the volume at %s" % self.db.datadir)
                self._save_config(config_contents, config_overrides)
                self.db.start()
                if self.faults.fire("rebuild_lose_row", self.guest_id, self.hw["server_id"], self.hw["name"],
                                    detail="rebuild to version %s" % ds_version):
                    lost = backup.lose_a_row(self.db, set(self.mconf.ignore_dbs))
                    LOG.warning("lab fault rebuild_lose_row: lost a row of %s", lost)
                    self.state.set(event="fault rebuild_lose_row: %s" % lost)
            except Exception as e:
                LOG.exception("rebuild failed")
                self.state.set(event="rebuild failed: %s" % e)
                self.heartbeat(FAILED, force=True)
                raise
            self.state.set(prepared=True, db_stopped=False, failed=None, ds_version=ds_version, event="rebuild done")
            self.report_status()

    def get_filesystem_stats(self, ctxt, fs_path=None):
        used = 0
        for dirpath, _, files in os.walk(self.volume_path):
            for f in files:
                try:
                    used += os.lstat(os.path.join(dirpath, f)).st_size
                except OSError:
                    pass
        st = os.statvfs(self.volume_path)
        total = self.volume_size * 1024 ** 3 if self.volume_size else st.f_blocks * st.f_frsize
        return {"block_size": 4096, "total_blocks": total // 4096, "free_blocks": max(0, total - used) // 4096,
                "total": round(total / 1024 ** 3, 2), "free": max(0, total - used),
                "used": round(used / 1024 ** 3, 2)}

    def mount_volume(self, ctxt, device_path=None, mount_point=None, write_to_fstab=False, **kwargs):
        self.state.set(event="mount_volume %s" % device_path)

    def unmount_volume(self, ctxt, device_path=None, mount_point=None, **kwargs):
        self.state.set(event="unmount_volume %s" % device_path)

    def resize_fs(self, ctxt, device_path=None, mount_point=None, online=False, **kwargs):
        self.state.set(event="resize_fs %s" % device_path)

    def get_hwinfo(self, ctxt):
        f = self.hw.get("flavor") or {}
        return {"mem_total": int(f.get("ram", 512)) * 1024, "num_cpus": int(f.get("vcpus", 1))}

    def get_diagnostics(self, ctxt):
        ru = resource.getrusage(resource.RUSAGE_SELF)
        return {"version": "lab-guest", "fd_size": len(os.listdir("/proc/self/fd")), "vm_size": 0,
                "vm_peak": 0, "vm_rss": ru.ru_maxrss, "vm_hwm": ru.ru_maxrss, "threads": threading.active_count()}

    def update_overrides(self, ctxt, overrides, remove=False):
        with self.lock:
            cur = {} if remove else self._overrides()
            cur.update(overrides or {})
            self._write_overrides(cur)

    def apply_overrides(self, ctxt, overrides):
        stmts = [("SET GLOBAL %s = %%s" % k, (v,)) for k, v in (overrides or {}).items()]
        self.db.execute(stmts)

    def _overrides(self):
        try:
            with open(os.path.join(self.root, "etc", "mysql", "conf.d", "overrides.json")) as f:
                return json.load(f)
        except (FileNotFoundError, ValueError):
            return {}

    def create_backup(self, ctxt, backup_info):
        bid = backup_info["id"]
        btype = "incremental" if backup_info.get("parent") else "full"
        stats = self.get_filesystem_stats(ctxt)
        state = {"size": stats["used"], "state": "BUILDING", "backup_type": btype}
        self.update_backup(ctxt, bid, **state)
        try:
            conn, url = backup.swift_for(ctxt, self.conf.service_credentials.auth_url,
                                         self.conf.service_credentials.region_name)
            data = self._dump(bid)
            container = backup_info.get("swift_container") or self.conf.backup_swift_container
            location, checksum = backup.upload(conn, url, container, bid, data, {
                "datastore": backup_info.get("datastore"), "datastore_version": backup_info.get("datastore_version")})
            state.update(checksum=checksum, location=location, success=True, state="COMPLETED")
            self.state.set(event="backup %s -> %s" % (bid, location))
        except Exception as e:
            LOG.exception("backup %s failed", bid)
            state.update(success=False, state="FAILED")
            self.state.set(event="backup %s failed: %s" % (bid, e))
        self.update_backup(ctxt, bid, **state)

    def _dump(self, bid):
        """The backup's dump. A mariadbd that died under it is started again, as
        the database container's restart policy (unless-stopped) does under
        Trove's guest agent, and the dump is tried once more: MariaDB 10.11.19
        segfaulted once here, answering mariadb-dump's query of
        information_schema.columns for mysql.slow_log, and a lab test is not
        about that. The death is logged with the server's log (fault
        dump_crash makes it happen)."""
        if self.faults.fire("dump_crash", self.guest_id, self.hw["server_id"], self.hw["name"],
                            detail="dump of backup %s" % bid):
            pid = self.db.pid()
            if pid:
                os.kill(pid, signal.SIGKILL)
                deadline = time.monotonic() + 10
                while self.db.running() and time.monotonic() < deadline:
                    time.sleep(0.1)
            LOG.warning("lab fault dump_crash: killed mariadbd (pid %s)", pid)
        try:
            return backup.dump(self.db)
        except RuntimeError as e:
            if self.db.running():
                raise
            LOG.error("backup %s: mariadbd died under the dump (%s); its log ends: %s; starting it again and "
                      "dumping once more", bid, e, self.db._log_tail()[-800:])
            self.state.set(event="backup %s: mariadbd died under the dump, started again" % bid)
            self.db.start()
            return backup.dump(self.db)

    def pre_create_backup(self, ctxt, **kwargs):
        return {}

    def post_create_backup(self, ctxt, **kwargs):
        return {}

    # --- RPC: databases and users -------------------------------------------------------
    def create_database(self, ctxt, databases):
        stmts = []
        for d in databases:
            sql = "CREATE DATABASE IF NOT EXISTS %s" % _q(d["_name"])
            if d.get("_character_set"):
                sql += " CHARACTER SET %s" % d["_character_set"]
            if d.get("_collate"):
                sql += " COLLATE %s" % d["_collate"]
            stmts.append((sql, None))
        self.db.execute(stmts)

    def list_databases(self, ctxt, limit=None, marker=None, include_marker=False):
        rows = self.db.query("SELECT schema_name, default_character_set_name, default_collation_name "
                             "FROM information_schema.schemata ORDER BY schema_name")
        out = [_schema(*r) for r in rows if r[0] not in self.mconf.ignore_dbs]
        return self._page(out, lambda d: d["_name"], limit, marker, include_marker)

    def delete_database(self, ctxt, database):
        self.db.execute([("DROP DATABASE IF EXISTS %s" % _q(database["_name"]), None)])

    def _page(self, items, key, limit, marker, include_marker):
        if marker:
            items = [i for i in items if (key(i) >= marker if include_marker else key(i) > marker)]
        next_marker = None
        if limit is not None and len(items) > limit:
            items = items[:limit]
            next_marker = key(items[-1])
        return items, next_marker

    def _user_dbs(self, name, host):
        rows = self.db.query("SELECT DISTINCT table_schema FROM information_schema.schema_privileges "
                             "WHERE grantee = %s ORDER BY table_schema", ("'%s'@'%s'" % (name, host),))
        return [_schema(r[0]) for r in rows]

    def create_user(self, ctxt, users):
        stmts = []
        for u in users:
            host = u.get("_host") or "%"
            stmts.append(("CREATE USER IF NOT EXISTS %s@%s IDENTIFIED BY %%s" % (_litf(u["_name"]), _litf(host)),
                          (u.get("_password") or "",)))
            for d in u.get("_databases") or []:
                stmts.append(("GRANT ALL PRIVILEGES ON %s.* TO %s@%s" % (_q(d["_name"]), _lit(u["_name"]),
                                                                       _lit(host)), None))
        self.db.execute(stmts)

    def list_users(self, ctxt, limit=None, marker=None, include_marker=False):
        rows = self.db.query("SELECT User, Host FROM mysql.user WHERE Host != 'localhost' ORDER BY User, Host")
        out = [_user(n, h, self._user_dbs(n, h)) for n, h in rows if n not in self.mconf.ignore_users]
        return self._page(out, lambda u: "%s@%s" % (u["_name"], u["_host"]), limit, marker, include_marker)

    def get_user(self, ctxt, username, hostname):
        rows = self.db.query("SELECT User, Host FROM mysql.user WHERE User = %s AND Host = %s AND Host != 'localhost'",
                             (username, hostname))
        if len(rows) != 1:
            return None
        return _user(username, hostname, self._user_dbs(username, hostname))

    def delete_user(self, ctxt, user):
        self.db.execute([("DROP USER IF EXISTS %s@%s" % (_lit(user["_name"]), _lit(user.get("_host") or "%")),
                          None)])

    def list_access(self, ctxt, username, hostname):
        return self._user_dbs(username, hostname)

    def grant_access(self, ctxt, username, hostname, databases):
        self.db.execute([("GRANT ALL PRIVILEGES ON %s.* TO %s@%s" % (_q(d), _lit(username), _lit(hostname)), None)
                         for d in databases])

    def revoke_access(self, ctxt, username, hostname, database):
        self.db.execute([("REVOKE ALL ON %s.* FROM %s@%s" % (_q(database), _lit(username), _lit(hostname)), None)])

    def change_passwords(self, ctxt, users):
        self.db.execute([("ALTER USER %s@%s IDENTIFIED BY %%s" % (_litf(u["name"]), _litf(u.get("host") or "%")),
                          (u["password"],)) for u in users])

    def update_attributes(self, ctxt, username, hostname, user_attrs):
        stmts = []
        if user_attrs.get("password") is not None:
            stmts.append(("ALTER USER %s@%s IDENTIFIED BY %%s" % (_litf(username), _litf(hostname)),
                          (user_attrs["password"],)))
        new_name, new_host = user_attrs.get("name") or username, user_attrs.get("host") or hostname
        if (new_name, new_host) != (username, hostname):
            stmts.append(("RENAME USER %s@%s TO %s@%s" % (_lit(username), _lit(hostname), _lit(new_name),
                                                         _lit(new_host)), None))
        self.db.execute(stmts)

    # --- RPC: root ----------------------------------------------------------------------
    def enable_root(self, ctxt):
        return self.enable_root_with_password(ctxt)

    def enable_root_with_password(self, ctxt, root_password=None):
        password = root_password or uuid.uuid4().hex
        self.db.execute([("CREATE USER IF NOT EXISTS 'root'@'%%' IDENTIFIED BY %s", (password,)),
                         ("ALTER USER 'root'@'%%' IDENTIFIED BY %s", (password,)),
                         ("GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION", None)])
        self.state.set(event="root enabled")
        return _user("root", "%", [], is_root=True, password=password)

    def enable_root_on_prepare(self, ctxt, root_password):
        return self.enable_root_with_password(ctxt, root_password)

    def disable_root(self, ctxt):
        self.db.execute([("DROP USER IF EXISTS 'root'@'%'", None)])
        self.state.set(event="root disabled")

    def is_root_enabled(self, ctxt):
        return bool(self.db.query("SELECT 1 FROM mysql.user WHERE User = 'root' AND Host != 'localhost'"))

    def get_root_password(self, ctxt):
        return None

    # --- RPC: what the stand-in does not do ------------------------------------------------
    def guest_log_list(self, ctxt):
        return []

    def module_list(self, ctxt, include_contents=False):
        return []

    def module_apply(self, ctxt, modules=None):
        return []

    def module_remove(self, ctxt, module=None):
        return None

    def backup_required_for_replication(self, ctxt):
        return False


def _age():
    """Seconds since this process started (/proc: its start time in clock ticks after boot)."""
    with open("/proc/self/stat") as f:
        start = int(f.read().rsplit(")", 1)[1].split()[19]) / os.sysconf("SC_CLK_TCK")
    with open("/proc/uptime") as f:
        return float(f.read().split()[0]) - start


def _lit(s):
    """A quoted SQL string literal for account names (user and host parts)."""
    return "'%s'" % s.replace("\\", "\\\\").replace("'", "\\'")


def _litf(s):
    """_lit for a statement that also has %s parameters (pymysql formats it: % doubled)."""
    return _lit(s).replace("%", "%%")


def main(argv=None):
    ap = argparse.ArgumentParser(description="Trove guest agent stand-in")
    ap.add_argument("--root", required=True, help="the server's root disk (compute stand-in state)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stdout,
                        format="%(asctime)s %(process)d %(levelname)s lab-guest %(name)s: %(message)s")
    logging.getLogger("oslo.messaging").setLevel(logging.WARNING)
    logging.getLogger("oslo_messaging").setLevel(logging.WARNING)
    agent = Agent(args.root)
    signal.signal(signal.SIGTERM, lambda *_: agent.stopping.set())
    signal.signal(signal.SIGINT, lambda *_: agent.stopping.set())
    agent.run()
