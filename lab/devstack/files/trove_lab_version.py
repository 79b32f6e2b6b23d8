"""Paste filter of the runbook lab: every Trove API answer says which code
answered it, so a test can tell old code from new through the API:

    X-Lab-Trove-Version:  the release of the trove package this process loaded
    X-Lab-Trove-Pid:      the process serving the request
    X-Lab-Trove-Started:  when that process loaded Trove (Unix time)

Wired into /etc/trove/api-paste.ini in front of Trove's own url map.
"""
import os
import time


def filter_factory(global_conf, **local_conf):
    try:
        from trove import version
        code = version.version_info.release_string()
    except Exception:  # an unknown layout must not break the API
        code = "unknown"
    started = "%d" % time.time()

    def wrap(app):
        def call(environ, start_response):
            def sr(status, headers, exc_info=None):
                headers = list(headers) + [
                    ("X-Lab-Trove-Version", code),
                    ("X-Lab-Trove-Pid", "%d" % os.getpid()),
                    ("X-Lab-Trove-Started", started),
                ]
                return start_response(status, headers, exc_info)
            return app(environ, sr)
        return call
    return wrap
