#!/usr/bin/python3
"""Run several trove-manage commands in ONE process (each trove-manage start
costs ~3.5 s of imports; six of them were 20 s, minutes on a loaded machine).

    trove_seed.py --config-file trove.conf < commands

stdin: one trove-manage command per line, shell-quoted exactly as on the
trove-manage command line, e.g.
    datastore_version_update mysql 5.7.29 mysql IMAGE_ID "" 1

Each line is dispatched to the same method of trove.cmd.manage.Commands that
trove-manage itself calls (positional arguments in trove-manage's order).
Like trove-manage, some commands only print an error: check the result.
"""
import collections
import inspect
import shlex
import sys

if not hasattr(inspect, "getargspec"):
    ArgSpec = collections.namedtuple("ArgSpec", "args varargs keywords defaults")

    def _getargspec(func):
        spec = inspect.getfullargspec(func)
        return ArgSpec(spec.args, spec.varargs, spec.varkw, spec.defaults)

    inspect.getargspec = _getargspec

from oslo_log import log as logging  # noqa: E402

from trove.cmd import manage  # noqa: E402
from trove.common import cfg  # noqa: E402


def main():
    cfg.parse_args(sys.argv)
    logging.setup(cfg.CONF, None)
    commands = manage.Commands()
    rc = 0
    for line in sys.stdin:
        argv = shlex.split(line, comments=True)
        if not argv:
            continue
        print("trove-manage %s" % " ".join(shlex.quote(a) for a in argv), flush=True)
        try:
            getattr(commands, argv[0])(*argv[1:])
        except Exception as e:  # keep going, report at the end
            print("  failed: %s" % e, flush=True)
            rc = 1
    return rc


if __name__ == "__main__":
    sys.exit(main())
