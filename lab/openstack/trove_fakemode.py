#!/usr/bin/python3
"""Run Trove's API in Trove's own fake mode, with the lab's runtime shim.

    /usr/bin/python3 trove_fakemode.py --config-file trove.conf

This is `trove.cmd.fakemode` (the real Trove API + taskmanager code in one
process, oslo.messaging `fake:/`, with Trove's own fake Nova, Cinder, Neutron,
Swift and guest agent from trove/tests/fakes) plus the patches below, applied
in memory before start. No installed file is edited. Each patch names the gap
of the Zed-era (Trove 18) fakes it covers.
"""
import collections
import inspect
import sys
import uuid

# --- Python 3.11: inspect.getargspec is gone (trove.cmd.manage and friends) -----
if not hasattr(inspect, "getargspec"):
    ArgSpec = collections.namedtuple("ArgSpec", "args varargs keywords defaults")

    def _getargspec(func):
        spec = inspect.getfullargspec(func)
        return ArgSpec(spec.args, spec.varargs, spec.varkw, spec.defaults)

    inspect.getargspec = _getargspec


def _later(seconds, fn):
    import eventlet
    eventlet.spawn_after(seconds, fn)


def _set_service_status(instance_id, name):
    from trove.instance import service_status as srvstatus
    from trove.instance.models import InstanceServiceStatus
    status = InstanceServiceStatus.find_by(instance_id=instance_id)
    status.status = getattr(srvstatus.ServiceStatuses, name)
    status.save()


def patch_fakemode():
    from trove.cmd import fakemode
    from trove.common import cfg
    from trove.common import wsgi
    CONF = cfg.CONF

    # 1. fakemode calls wsgi.launch() without host=, so it binds 0.0.0.0:
    #    bind to CONF.bind_host instead.
    _launch = wsgi.launch

    def launch(app_name, port, paste_config_file, data={}, host=None, **kw):
        return _launch(app_name, port, paste_config_file, data,
                       host=host or CONF.bind_host, **kw)
    wsgi.launch = launch

    # 2. fakemode starts its taskmanager with key='' while the API encrypts
    #    its casts with taskmanager_rpc_encr_key: use the same key.
    def start_fake_taskmanager(conf):
        from trove.common.rpc import service as rpc_service
        from trove.common.rpc import version as rpc_version
        svc = rpc_service.RpcService(
            key=CONF.taskmanager_rpc_encr_key, topic=conf.taskmanager_queue,
            rpc_api_version=rpc_version.RPC_API_VERSION,
            manager="trove.taskmanager.manager.Manager")
        svc.start()
    fakemode.start_fake_taskmanager = start_fake_taskmanager


def patch_context():
    # 3. oslo.context 5 removed RequestContext.tenant; the fake Nova uses it.
    from trove.common import context
    if not hasattr(context.TroveContext, "tenant"):
        context.TroveContext.tenant = property(lambda self: self.project_id)


def patch_fake_nova():
    from trove.tests.fakes import nova

    # 4a. servers.create(meta=...) is newer than the fakes, and the fakes' ids
    #     ("FAKE_<uuid>", "FAKE_VOL_<uuid>") are longer than the 36-character id
    #     columns of a MySQL/MariaDB Trove database (sqlite ignores lengths):
    #     plain UUIDs, as real Nova and Cinder return.
    def create(self, name, image_id, flavor_ref, files=None, userdata=None,
               block_device_mapping_v2=None, security_groups=None,
               availability_zone=None, nics=None, config_drive=False,
               scheduler_hints=None, key_name=None, meta=None, **kw):
        volumes = self._get_volumes_from_bdm_v2(block_device_mapping_v2)
        server = nova.FakeServer(self, self.context, str(uuid.uuid4()), name, image_id,
                                 flavor_ref, volumes, key_name)
        server.metadata = meta or {}
        self.db[server.id] = server
        server.schedule_status("HEALTHY", 1)   # reported as ACTIVE, see 4b
        return server
    nova.FakeServers.create = create

    def vcreate(self, size, name=None, description=None, volume_type=None,
                availability_zone=None, **kw):
        volume = nova.FakeVolume(self, self.context, str(uuid.uuid4()), size, name,
                                 description, volume_type, availability_zone)
        self.db[volume.id] = volume
        volume.schedule_status("available", 2)
        return volume
    nova.FakeVolumes.create = vcreate

    _list = nova.FakeServers.list
    nova.FakeServers.list = lambda self, limit=None, **kw: _list(self)

    # 4b. The fake Nova says HEALTHY where Nova (and Trove) say ACTIVE.
    nova.FakeServer.status = property(
        lambda self: "ACTIVE" if self._current_status == "HEALTHY" else self._current_status)

    # 4c. rebuild(image, files=) and server.image for Trove's mgmt rebuild.
    def rebuild(self, image, files=None, **kw):
        self.image_id = getattr(image, "id", image)
        self._current_status = "REBUILD"
        self.schedule_status("HEALTHY", 2)
    nova.FakeServer.rebuild = rebuild
    nova.FakeServer.image = property(lambda self: {"id": self.image_id})

    # 5. Fake volumes: list(search_opts=), volume.delete(), and online extend
    #    (the fake only extends detached volumes; Trove 18 extends attached ones).
    _vlist = nova.FakeVolumes.list

    def vlist(self, detailed=True, search_opts=None, **kw):
        vols = _vlist(self, detailed)
        name = (search_opts or {}).get("name")
        return [v for v in vols if name is None or v.name == name]
    nova.FakeVolumes.list = vlist

    def vdelete(self):
        self.parent.db.pop(self.id, None)
    nova.FakeVolume.delete = vdelete
    nova.FakeVolumes.delete = lambda self, vol: self.db.pop(getattr(vol, "id", vol), None)

    def extend(self, volume_id, new_size):
        volume = self.get(volume_id)

        def finish():
            volume.size = new_size
        _later(1.0, finish)
    nova.FakeVolumes.extend = extend


def patch_fake_guest():
    from trove.tests.fakes import guestagent
    G = guestagent.FakeGuest

    # 6a. prepare(ds_version=...) is newer than the fake.
    _prepare = G.prepare

    def prepare(self, memory_mb, packages, databases, users, device_path=None,
                mount_point=None, backup_info=None, config_contents=None,
                root_password=None, overrides=None, cluster_config=None,
                snapshot=None, modules=None, ds_version=None, **kw):
        return _prepare(self, memory_mb, packages, databases, users,
                        device_path=device_path, mount_point=mount_point,
                        backup_info=backup_info, config_contents=config_contents,
                        root_password=root_password, overrides=overrides,
                        cluster_config=cluster_config, snapshot=snapshot, modules=modules)
    G.prepare = prepare

    # 6b. stop_db(do_not_start_on_reboot=...)
    G.stop_db = lambda self, do_not_start_on_reboot=False, **kw: self._set_task_status("SHUTDOWN")

    # 6c. datastore version upgrade: pre_upgrade() / upgrade(info)
    G.pre_upgrade = lambda self: {}

    def upgrade(self, upgrade_info):
        self.version += 1
        _later(2, lambda: _set_service_status(self.id, "HEALTHY"))
    G.upgrade = upgrade

    # 6d. mgmt rebuild: rebuild(ds_version, config_contents=, config_overrides=)
    def rebuild(self, ds_version, config_contents=None, config_overrides=None, **kw):
        _later(2, lambda: _set_service_status(self.id, "HEALTHY"))
    G.rebuild = rebuild

    # 6e. odds and ends newer Trove calls
    if not hasattr(G, "guest_log_list"):
        G.guest_log_list = lambda self: []
    if not hasattr(G, "get_guest_log"):
        G.get_guest_log = lambda self, *a, **kw: {}


def patch_taskmanager():
    # 7. Resize/migrate/rebuild set the service status to PAUSED and wait for the
    #    guest agent to report anything else (a real agent heartbeats after the
    #    reboot). The fake guest never does: report SHUTDOWN (the database was
    #    stopped before the Nova action) 1.5 s later, unless something else did.
    from trove.instance import service_status as srvstatus
    from trove.instance.models import InstanceServiceStatus
    from trove.taskmanager import models as tm

    _paused = tm.BuiltInstanceTasks.set_datastore_status_to_paused

    def set_datastore_status_to_paused(self):
        _paused(self)
        instance_id = self.id

        def wake():
            status = InstanceServiceStatus.find_by(instance_id=instance_id)
            if status.status == srvstatus.ServiceStatuses.PAUSED:
                status.status = srvstatus.ServiceStatuses.SHUTDOWN
                status.save()
        _later(1.5, wake)
    tm.BuiltInstanceTasks.set_datastore_status_to_paused = set_datastore_status_to_paused


def main():
    patch_fakemode()
    patch_context()
    patch_fake_nova()
    patch_fake_guest()
    patch_taskmanager()
    from trove.cmd import fakemode
    sys.argv[0] = "trove-fakemode"
    return fakemode.main()


if __name__ == "__main__":
    sys.exit(main())
