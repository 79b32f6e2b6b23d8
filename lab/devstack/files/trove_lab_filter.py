"""Paste filter of the runbook lab, in front of Trove's url map
(/etc/trove/api-paste.ini on devstack1).

Which code answers: every answer carries
    X-Lab-Trove-Version:  the release of the trove package this process loaded
    X-Lab-Trove-Pid:      the process serving the request
    X-Lab-Trove-Started:  when that process loaded Trove (Unix time)
so a test can tell old code from new through the API.

Faults a test switches on (files in /etc/trove/lab-faults/, made and removed
by lab/devstack/fault.sh; every firing is logged to
/var/log/trove/lab-faults.log):
    api-500               every /v1.0 request is answered 500 before Trove
                          sees it (Trove's API root keeps answering)
    api-500-after-create  the next POST .../instances goes to Trove, which
                          creates the instance, and the client gets a 500
                          instead of Trove's answer (one shot: the file is
                          removed when it fires)
"""
import json
import os
import time

FAULTS = "/etc/trove/lab-faults"
LOG = "/var/log/trove/lab-faults.log"


def _log(what, environ):
    try:
        with open(LOG, "a") as f:
            f.write("%d %s %s %s\n" % (time.time(), what, environ.get("REQUEST_METHOD"), environ.get("PATH_INFO")))
    except OSError:
        pass


def _fault_body(msg):
    return json.dumps({"internalServerError": {"code": 500, "message": msg}}).encode()


def filter_factory(global_conf, **local_conf):
    try:
        from trove import version
        code = version.version_info.release_string()
    except Exception:  # an unknown layout must not break the API
        code = "unknown"
    started = "%d" % time.time()
    ident = [("X-Lab-Trove-Version", code), ("X-Lab-Trove-Pid", "%d" % os.getpid()),
             ("X-Lab-Trove-Started", started)]

    def wrap(app):
        def fail(environ, start_response, msg):
            body = _fault_body(msg)
            start_response("500 Internal Server Error",
                           [("Content-Type", "application/json"), ("Content-Length", str(len(body)))] + ident)
            return [body]

        def call(environ, start_response):
            path = environ.get("PATH_INFO", "")
            if path.startswith("/v1.0") and os.path.exists(os.path.join(FAULTS, "api-500")):
                _log("api-500", environ)
                return fail(environ, start_response, "lab fault api-500: the API failed before Trove saw the request")
            once = os.path.join(FAULTS, "api-500-after-create")
            if (environ.get("REQUEST_METHOD") == "POST" and path.rstrip("/").endswith("/instances")
                    and os.path.exists(once)):
                try:
                    os.unlink(once)
                except OSError:
                    pass
                result = app(environ, lambda status, headers, exc_info=None: None)
                for _ in result:  # let Trove finish the request
                    pass
                if hasattr(result, "close"):
                    result.close()
                _log("api-500-after-create", environ)
                return fail(environ, start_response, "lab fault api-500-after-create: Trove created the instance, the answer was lost")

            def sr(status, headers, exc_info=None):
                return start_response(status, list(headers) + ident, exc_info)
            return app(environ, sr)
        return call
    return wrap
