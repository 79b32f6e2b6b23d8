"""The compute stand-in: Nova, Cinder and Neutron APIs in one HTTP server.

    python3 -m standins.compute --config-file compute.conf

Paths, as DevStack lays its services behind one web server:
    /compute/v2.1/...              Nova        (catalog: compute)
    /volume/v3/<project_id>/...    Cinder      (catalog: volumev3)
    /networking/v2.0/...           Neutron     (catalog: network, URL /networking)
    /lab/...                       the lab's own admin API (admin role):
        GET    /lab/faults                armed faults and what fired
        PUT    /lab/faults/NAME           arm a fault: {"match": "", "times": 1}
        DELETE /lab/faults/NAME[?match=M] disarm it (the entry for M, or all)
        GET    /lab/api-calls             which API routes were called, by whom,
                                          at which microversion (DELETE resets)
        GET    /lab/servers/ID/files      the files injected into a server (the
                                          RPC key redacted)
        GET    /lab/servers/ID/guest      the guest's state (running, status)
"""
import argparse
import json
import logging
import os
import re
import signal
import sys
import threading

from keystonemiddleware import auth_token

from standins import cinder, computehost, config, faults, neutron, nova, store, wsgi
from standins.wsgi import HTTPError, json_body

LOG = logging.getLogger("standins.compute")
# what the lab API never shows of an injected file: keys, passwords, credentials in URLs
REDACT_LINE = re.compile(r"^(\s*[\w.]*(?:encr_key|password|secret)\w*\s*=\s*).*$", re.M | re.I)
REDACT_URL = re.compile(r"(://[^:/@\s]+:)[^@\s]+@")


def redact(text):
    return REDACT_URL.sub(r"\1<redacted>@", REDACT_LINE.sub(r"\1<redacted>", text))


def lab_api(app, st, cfg, host, flt):
    def admin(caller):
        if not caller.is_admin:
            raise HTTPError(403, "the lab API needs the admin role")

    def get_faults(req, caller):
        admin(caller)
        return 200, {"armed": flt.armed(), "fired": flt.fired()}

    def put_fault(req, caller, name):
        admin(caller)
        body = json_body(req)
        try:
            flt.arm(name, body.get("match", ""), body.get("times", 1))
        except ValueError as e:
            raise HTTPError(400, str(e))
        return 200, {"armed": flt.armed()}

    def del_fault(req, caller, name):
        admin(caller)
        try:
            flt.disarm(name, req.GET.get("match"))
        except ValueError as e:
            raise HTTPError(400, str(e))
        return 204, None

    def calls(req, caller):
        admin(caller)
        return 200, {"calls": st.calls()}

    def reset_calls(req, caller):
        admin(caller)
        st.reset_calls()
        return 204, None

    def files(req, caller, id):
        admin(caller)
        s = st.get("server", id)
        if s is None:
            raise HTTPError(404, "server %s not found" % id)
        out = {}
        for path in s.get("injected") or []:
            try:
                with open(os.path.join(host.root(id), path.lstrip("/"))) as f:
                    out[path] = redact(f.read())
            except FileNotFoundError:
                out[path] = None
        return 200, {"files": out}

    def guest(req, caller, id):
        admin(caller)
        s = st.get("server", id)
        if s is None:
            raise HTTPError(404, "server %s not found" % id)
        state = {}
        try:
            with open(os.path.join(host.root(id), "opt", "lab-guest", "state.json")) as f:
                state = json.load(f)
        except (FileNotFoundError, ValueError):
            pass
        return 200, {"guest": {"running": host.launcher.alive(id), "state": state}}

    app.add("lab", "GET", "/lab/faults", get_faults)
    app.add("lab", "PUT", "/lab/faults/{name}", put_fault)
    app.add("lab", "DELETE", "/lab/faults/{name}", del_fault)
    app.add("lab", "GET", "/lab/api-calls", calls)
    app.add("lab", "DELETE", "/lab/api-calls", reset_calls)
    app.add("lab", "GET", "/lab/servers/{id}/files", files)
    app.add("lab", "GET", "/lab/servers/{id}/guest", guest)


def build(cfg):
    cfg.dirs()
    st = store.Store(os.path.join(cfg.state_dir, "compute.sqlite"))
    flt = faults.Faults(cfg.faults_dir)
    net = neutron.Network(st, cfg)
    vols = cinder.Volumes(st, cfg)
    glance = computehost.Glance(cfg.keystone)
    host = computehost.Host(st, cfg, net, vols, flt, glance)
    nv = nova.Nova(st, cfg, host, net, flt)
    net.seed()
    nv.seed()
    app = wsgi.App(st)
    nova.install(app, nv)
    cinder.install(app, st, vols)
    neutron.install(app, st, net)
    lab_api(app, st, cfg, host, flt)
    ks = dict(cfg.keystone, delay_auth_decision="true")
    return auth_token.AuthProtocol(app, ks), host


def prefixed(app, prefix):
    """The app seen from a port that serves one API at its root (http://host:8774/v2.1 -> /compute/v2.1)."""
    def wrapped(environ, start_response):
        environ["PATH_INFO"] = prefix + environ.get("PATH_INFO", "")
        return app(environ, start_response)
    return wrapped


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config-file", required=True)
    args = ap.parse_args(argv)
    cfg = config.Config(args.config_file)
    computehost.setup_logging(cfg, "lab-compute")
    app, host = build(cfg)
    httpd = wsgi.serve(app, cfg.bind_host, cfg.bind_port)
    for port, prefix in cfg.extra_listeners:
        extra = wsgi.serve(prefixed(app, prefix), cfg.bind_host, port)
        threading.Thread(target=extra.serve_forever, name="listen-%d" % port, daemon=True).start()
        LOG.info("also serving %s at the root of port %d", prefix, port)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    host.resume()
    LOG.info("compute stand-in listening on %s:%d (state %s, guests: %s)", cfg.bind_host, cfg.bind_port,
             cfg.state_dir, cfg.guest_launcher)
    try:
        httpd.serve_forever()
    finally:
        httpd.server_close()


if __name__ == "__main__":
    main()
