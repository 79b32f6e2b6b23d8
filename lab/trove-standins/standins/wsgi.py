"""A small WSGI layer for the compute stand-in: routing, JSON, errors, auth.

Requests pass keystonemiddleware's auth_token first (delay_auth_decision:
version documents answer without a token, as the real services do); a
route that needs a caller refuses a request whose token Keystone did not
confirm. Each service formats its errors the way its client library parses
them (Nova/Cinder: {"itemNotFound": {...}}, Neutron: {"NeutronError": ...}).
"""
import json
import logging
import re
import socketserver
import time
import uuid
from wsgiref import simple_server

import webob

LOG = logging.getLogger("standins.wsgi")


class HTTPError(Exception):
    def __init__(self, status, message, kind=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.kind = kind


NOVA_KINDS = {400: "badRequest", 401: "unauthorized", 403: "forbidden", 404: "itemNotFound",
              409: "conflictingRequest", 413: "overLimit", 500: "computeFault", 501: "notImplemented"}
NEUTRON_KINDS = {400: "BadRequest", 401: "NotAuthorized", 403: "Forbidden", 404: "NotFound",
                 409: "Conflict", 500: "InternalServerError", 501: "NotImplemented"}


def error_body(service, err):
    if service == "network":
        return {"NeutronError": {"type": err.kind or NEUTRON_KINDS.get(err.status, "Error"),
                                 "message": err.message, "detail": ""}}
    kind = err.kind or NOVA_KINDS.get(err.status, "computeFault")
    return {kind: {"code": err.status, "message": err.message}}


class Caller:
    """Who is calling, from the headers keystonemiddleware set."""

    def __init__(self, environ):
        self.confirmed = environ.get("HTTP_X_IDENTITY_STATUS") == "Confirmed"
        self.token = environ.get("HTTP_X_AUTH_TOKEN", "")
        self.project_id = environ.get("HTTP_X_PROJECT_ID", "")
        self.user_id = environ.get("HTTP_X_USER_ID", "")
        self.user_name = environ.get("HTTP_X_USER_NAME", "")
        self.roles = [r.strip() for r in environ.get("HTTP_X_ROLES", "").split(",") if r.strip()]

    @property
    def is_admin(self):
        return "admin" in self.roles


class Route:
    def __init__(self, service, method, template, handler, auth=True):
        self.service = service
        self.method = method
        self.template = template
        self.handler = handler
        self.auth = auth
        pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
        self.regex = re.compile("^" + pattern + "/?$")


class App:
    """Routes requests to handlers: handler(req, caller, **params) -> (status, body[, headers])."""

    def __init__(self, store=None):
        self.routes = []
        self.store = store

    def add(self, service, method, template, handler, auth=True):
        self.routes.append(Route(service, method, template, handler, auth))

    def __call__(self, environ, start_response):
        req = webob.Request(environ)
        t0 = time.monotonic()
        path = req.path_info
        allowed = []
        route, params = None, None
        for r in self.routes:
            m = r.regex.match(path)
            if not m:
                continue
            if r.method != req.method:
                allowed.append(r.method)
                continue
            route, params = r, m.groupdict()
            break
        service = route.service if route else _service_of(path)
        version = (req.headers.get("X-OpenStack-Nova-API-Version")
                   or req.headers.get("OpenStack-API-Version", "")).split(" ")[-1]
        caller = Caller(environ)
        try:
            if route is None:
                if allowed:
                    raise HTTPError(405, "method %s not allowed on %s" % (req.method, path))
                LOG.warning("unimplemented: %s %s (%s)", req.method, path, req.query_string)
                raise HTTPError(404, "the stand-in does not serve %s %s" % (req.method, path))
            if route.auth and not caller.confirmed:
                raise HTTPError(401, "authentication required")
            out = route.handler(req, caller, **params)
            status, body = out[0], out[1]
            headers = out[2] if len(out) > 2 else {}
        except HTTPError as e:
            status, body, headers = e.status, error_body(service, e), {}
            if e.status >= 500:
                LOG.error("%s %s -> %d %s", req.method, path, e.status, e.message)
        except Exception as e:  # a bug in a handler: 500, as a real service would
            LOG.exception("%s %s failed", req.method, path)
            status, body, headers = 500, error_body(service, HTTPError(500, str(e))), {}
        if route is not None and self.store is not None and caller.confirmed:
            self.store.count_call(route.service, route.method, route.template, version or "-",
                                  caller.user_name or caller.user_id or "?")
        resp = webob.Response(status=status)
        if body is not None:
            resp.content_type = "application/json"
            resp.body = json.dumps(body).encode()
        elif status == 204:
            resp.content_type = None
        for k, v in headers.items():
            resp.headers[k] = v
        if service == "compute":
            resp.headers["OpenStack-API-Version"] = "compute " + (version or "2.1")
            resp.headers["X-OpenStack-Nova-API-Version"] = version or "2.1"
        resp.headers["X-Openstack-Request-Id"] = "req-" + _req_id()
        LOG.info("%s %s %s -> %d (%.0f ms) %s", caller.user_name or "-", req.method, req.path_qs,
                 status, (time.monotonic() - t0) * 1000, ("v" + version) if version else "")
        return resp(environ, start_response)


def _service_of(path):
    for prefix, svc in (("/compute", "compute"), ("/volume", "volume"), ("/networking", "network"), ("/lab", "lab")):
        if path.startswith(prefix):
            return svc
    return "compute"


def _req_id():
    return str(uuid.uuid4())


def json_body(req):
    try:
        return json.loads(req.body or b"{}")
    except ValueError as e:
        raise HTTPError(400, "malformed JSON body: %s" % e)


class _Handler(simple_server.WSGIRequestHandler):
    def log_message(self, *args):  # the app logs every request itself
        pass


class _Server(socketserver.ThreadingMixIn, simple_server.WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


def serve(app, host, port):
    httpd = simple_server.make_server(host, port, app, server_class=_Server, handler_class=_Handler)
    return httpd
