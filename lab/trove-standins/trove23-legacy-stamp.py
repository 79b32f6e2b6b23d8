#!/usr/bin/python3
"""trove23-legacy-stamp.py TROVE_CONF: hand a sqlalchemy-migrate Trove database to alembic.

Trove moved its schema from sqlalchemy-migrate to alembic; Trove 23's
db_sync first "stamps" a legacy database (migrate_version 48, the head from
Wallaby to 2023.2) at the initial alembic revision, in
trove.db.sqlalchemy.api._migrate_legacy_database. In Trove 23.0.0 as Debian
trixie packages it, that function crashes with SQLAlchemy 2
(`result.first().values()`: a Row has no values(), and the result is read
after its connection closed), so `trove-manage db_sync` of a Zed database
fails. This does what that function means to, with Trove 23's own alembic
configuration and revisions, and nothing more; `trove-manage db_sync` then
runs the alembic migrations. Run inside the Trove 23 root (in-release.sh 23).
"""
import configparser
import sys

import sqlalchemy as sa
from alembic import command

from trove.db.sqlalchemy import api

cp = configparser.ConfigParser(interpolation=None)
cp.read(sys.argv[1])
url = cp["database"]["connection"]
engine = sa.create_engine(url)
insp = sa.inspect(engine)
if not insp.has_table("migrate_version"):
    print("not a sqlalchemy-migrate database: nothing to stamp")
    sys.exit(0)
with engine.connect() as c:
    if insp.has_table("alembic_version") and c.execute(sa.text("SELECT version_num FROM alembic_version")).scalar():
        print("already under alembic: nothing to stamp")
        sys.exit(0)
    version = c.execute(sa.text("SELECT version FROM migrate_version")).scalar()
if version < 48:
    sys.exit("migrate_version %s: migrate the database with a Trove between Wallaby and 2023.2 first" % version)
revision = api.ALEMBIC_INIT_VERSION if version == 48 else api.ALEMBIC_LATEST_VERSION
command.stamp(api._configure_alembic({"database": {"connection": url}}), revision)
print("migrate_version %s: stamped alembic revision %s" % (version, revision))
