#!/usr/bin/python3
"""Print "CURRENT HEAD" of the Trove database schema, changing nothing.

trove-manage has no db_version command, and db_upgrade prints nothing
either way, so this asks sqlalchemy-migrate (Trove up to 2023.1 "Antelope"
keeps its schema version in the migrate_version table) directly:

    trove-db-version.py /etc/trove/trove.conf   ->   "47 48"

Run it with the Python that Trove is installed for (DevStack:
/usr/bin/python3 or the venv of /opt/stack; kolla: inside the trove_api
container).
"""
import sys

from migrate.versioning import api as versioning_api
from oslo_config import cfg

from trove.common import cfg as trove_cfg  # noqa: F401 (registers options)
from trove.db.sqlalchemy import migration


def main(argv):
    if len(argv) != 2:
        sys.exit("usage: trove-db-version.py TROVE_CONF")
    conf = cfg.CONF
    conf(["--config-file", argv[1]], project="trove")
    repo = migration.get_migrate_repo_path()
    head = versioning_api.version(repo)
    current = versioning_api.db_version(conf.database.connection, repo)
    print("%s %s" % (current, head))


if __name__ == "__main__":
    main(sys.argv)
