#!/usr/bin/python3
"""What Trove is installed here and where its database schema stands.

Run with the Python Trove is installed for, the script on stdin or as a
file (it changes nothing unless asked to stamp):

    python3 - /etc/trove/trove.conf [--from RELEASE] < trove-release.py   -> JSON facts
    python3 - /etc/trove/trove.conf stamp REV < trove-release.py
    python3 - /etc/trove/trove.conf dump DEST.sql.gz < trove-release.py

Facts (one JSON object, never the database URL or any password):

    version       installed Trove code ("18.0.0"), from pbr's version_info
    major         18
    release       the OpenStack release of that major ("zed", "2025.1")
    schema_tool   how this code migrates: "migrate" (sqlalchemy-migrate,
                  up to 2024.1) or "alembic" (2024.2 and later)
    head          the schema this code needs ("48", "7ee6154548a6")
    current       the database's schema: a sqlalchemy-migrate number or an
                  alembic revision; "" for an empty database
    current_tool  "migrate", "alembic" or "none"
    at_head       current == head
    stamp         alembic code on a sqlalchemy-migrate database: the alembic
                  revision Trove's own _migrate_legacy_database stamps
                  before upgrading (906cffda7b29 for schema 48, 5c68b4fb3cd1
                  for 49+); "" otherwise
    refuse        why db_upgrade must not run on this pair of code and
                  database, with the release to go through; "" when it may
    path          with --from RELEASE (what the cloud runs now): why OpenStack
                  does not support going from there to the installed release,
                  naming the release to go through; "" when it does
    in_place_guests  false when RELEASE is Ussuri or older: its guests cannot
                  be rebuilt into Victoria's containerised ones
    templates     the installed Trove's templates folder (validation rules:
                  TEMPLATES/mysql/validation-rules.json)

`dump DEST` writes mysqldump's dump of the Trove database, gzipped, to
DEST (0600; never over an existing file): the password goes to mysqldump
in an option file in a private temporary folder, never on a command line.

`stamp REV` records REV as the database's alembic revision, as Trove's
_migrate_legacy_database means to (trove/db/sqlalchemy/api.py, 2024.2+),
which fails on SQLAlchemy 2.0 (Row.values(); lab/devstack/README.md).
"""
import glob
import json
import os
import re
import sys

RELEASES = {
    12: "train", 13: "ussuri", 14: "victoria", 15: "wallaby", 16: "xena",
    17: "yoga", 18: "zed", 19: "2023.1", 20: "2023.2", 21: "2024.1",
    22: "2024.2", 23: "2025.1", 24: "2025.2", 25: "2026.1",
}
# Trove's alembic history starts by stamping the legacy schema
# (trove/db/sqlalchemy/api.py _migrate_legacy_database).
ALEMBIC_INIT = "906cffda7b29"    # = sqlalchemy-migrate 48 (Wallaby .. 2023.1)
ALEMBIC_LEGACY_49 = "5c68b4fb3cd1"  # = sqlalchemy-migrate 49 (2023.2, 2024.1)
LEGACY_MIN = 48


def conf_connection(conf_file):
    from oslo_config import cfg
    from trove.common import cfg as trove_cfg  # noqa: F401 (registers options)
    conf = cfg.CONF
    conf(["--config-file", conf_file], project="trove", default_config_files=[])
    return conf.database.connection


def code_facts():
    import trove
    from trove import version
    ver = version.version_info.release_string()
    m = re.match(r"(\d+)", ver)
    major = int(m.group(1)) if m else 0
    base = os.path.join(os.path.dirname(trove.__file__), "db", "sqlalchemy")
    ini = os.path.join(base, "alembic.ini")
    facts = {"version": ver, "major": major, "release": RELEASES.get(major, "unknown"),
             "templates": os.path.join(os.path.dirname(trove.__file__), "templates")}
    if os.path.exists(ini):
        from alembic.config import Config
        from alembic.script import ScriptDirectory
        script = ScriptDirectory.from_config(Config(ini))
        facts.update(schema_tool="alembic", head=script.get_current_head() or "",
                     revisions=sorted(r.revision for r in script.walk_revisions()))
    else:
        nums = [int(os.path.basename(p).split("_", 1)[0])
                for p in glob.glob(os.path.join(base, "migrate_repo", "versions", "[0-9]*_*.py"))]
        facts.update(schema_tool="migrate", head=str(max(nums) if nums else 0), revisions=[])
    return facts, ini


def db_facts(connection):
    import sqlalchemy as sa
    engine = sa.create_engine(connection)
    try:
        with engine.connect() as c:
            tables = set(sa.inspect(c).get_table_names())
            if "alembic_version" in tables:
                row = c.execute(sa.text("SELECT version_num FROM alembic_version")).first()
                if row is not None:
                    return "alembic", row[0]
            if "migrate_version" in tables:
                row = c.execute(sa.text("SELECT version FROM migrate_version")).first()
                if row is not None:
                    return "migrate", str(row[0])
            return "none", ""
    finally:
        engine.dispose()


def verdict(f):
    """Why db_upgrade must not run, or ""."""
    code, tool, cur, head = f["schema_tool"], f["current_tool"], f["current"], f["head"]
    rel = "%s (Trove %s)" % (f["release"], f["version"])
    if tool == "none":
        return "the Trove database has no schema: this is a new deployment (trove-manage db_sync), not an upgrade"
    if code == "migrate":
        if tool == "alembic":
            return ("the database is at alembic revision %s, newer than the installed %s, which migrates with "
                    "sqlalchemy-migrate: a downgrade; install the release the database comes from" % (cur, rel))
        if int(cur) > int(head):
            return ("the database schema is %s, newer than the installed %s needs (%s): a downgrade; "
                    "install the release the database comes from" % (cur, rel, head))
        return ""
    # alembic code
    if tool == "migrate":
        if int(cur) < LEGACY_MIN:
            return ("the database schema is sqlalchemy-migrate %s, older than Wallaby's (48); %s migrates only "
                    "from 48 or 49: upgrade to a release between Wallaby and 2023.2 (Trove 15 to 20) first, "
                    "then to %s" % (cur, rel, f["release"]))
        return ""
    if cur not in f["revisions"]:
        return ("the database is at alembic revision %s, which the installed %s does not know: it is newer "
                "(a downgrade) or from another branch; install the release the database comes from" % (cur, rel))
    return ""


def dump(connection, dest):
    import gzip
    import shutil
    import subprocess
    import tempfile
    from sqlalchemy.engine import make_url
    u = make_url(connection)
    if not u.drivername.startswith("mysql"):
        sys.exit("dump: the Trove database is %s, not MySQL/MariaDB" % u.drivername)
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    tmp = tempfile.mkdtemp(prefix="trove-dump.")
    try:
        cnf = os.path.join(tmp, "my.cnf")
        with open(os.open(cnf, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
            f.write("[client]\n")
            for k, v in (("user", u.username), ("password", u.password), ("host", u.host), ("port", u.port)):
                if v:
                    f.write('%s = "%s"\n' % (k, str(v).replace("\\", "\\\\").replace('"', '\\"')))
            sock = u.query.get("unix_socket")
            if sock:
                f.write("socket = %s\n" % sock)
        tool = shutil.which("mariadb-dump") or shutil.which("mysqldump")
        if not tool:
            with os.fdopen(fd, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb") as out:
                sql_dump(connection, u.database, out)
            print("dumped database %s to %s with SQLAlchemy (no mysqldump here), %d bytes"
                  % (u.database, dest, os.path.getsize(dest)))
            return
        p = subprocess.Popen([tool, "--defaults-extra-file=" + cnf, "--single-transaction", "--routines",
                              "--triggers", "--databases", u.database], stdout=subprocess.PIPE)
        with os.fdopen(fd, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb") as out:
            shutil.copyfileobj(p.stdout, out)
        if p.wait() != 0:
            os.unlink(dest)
            sys.exit("dump: %s exited %d" % (tool, p.returncode))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("dumped database %s to %s (%d bytes)" % (u.database, dest, os.path.getsize(dest)))


SLURP_FIRST = 19  # 2023.1: from here every second release is a SLURP one


def major_of(release):
    for major, name in RELEASES.items():
        if name == release:
            return major
    sys.exit("unknown release %r (one of %s)" % (release, ", ".join(RELEASES.values())))


def is_slurp(major):
    return major >= SLURP_FIRST and (major - SLURP_FIRST) % 2 == 0


def path_verdict(src, dst):
    """Why OpenStack does not support upgrading from src to dst (majors), or "".

    Supported: one release at a time (N -> N+1), and from one SLURP release
    to the next (2023.1 -> 2024.1 -> 2025.1, skipping the one between)."""
    if src == dst or dst == src + 1 or (is_slurp(src) and is_slurp(dst) and dst == src + 2):
        return ""
    if dst < src:
        return ("the cloud runs %s, newer than the installed %s: a downgrade; install %s's Trove again"
                % (RELEASES[src], RELEASES[dst], RELEASES[src]))
    steps, cur = [], src
    while cur < dst:
        cur = cur + 2 if is_slurp(cur) and is_slurp(cur + 2) and cur + 2 <= dst else cur + 1
        steps.append(RELEASES[cur])
    return ("upgrading from %s to %s skips releases: OpenStack supports one release at a time and SLURP to SLURP "
            "(2023.1 -> 2024.1 -> 2025.1); go through %s first (path: %s)"
            % (RELEASES[src], RELEASES[dst], steps[0], " -> ".join([RELEASES[src]] + steps)))


def sql_dump(connection, database, out):
    """A dump without mysqldump (a release root or container without the
    client): every table's CREATE TABLE and its rows as INSERTs, through the
    driver Trove itself uses."""
    import sqlalchemy as sa
    engine = sa.create_engine(connection)
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        w = lambda s: out.write((s + "\n").encode("utf-8"))
        w("-- Trove database %s, dumped by runbook's trove-release.py" % database)
        w("CREATE DATABASE IF NOT EXISTS `%s`;\nUSE `%s`;" % (database, database))
        w("SET FOREIGN_KEY_CHECKS=0;\nSET NAMES utf8mb4;")
        cur.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT")
        cur.execute("SHOW FULL TABLES WHERE Table_type = 'BASE TABLE'")
        for (table, _) in cur.fetchall():
            cur.execute("SHOW CREATE TABLE `%s`" % table)
            w("DROP TABLE IF EXISTS `%s`;\n%s;" % (table, cur.fetchone()[1]))
            cur.execute("SELECT * FROM `%s`" % table)
            for row in cur.fetchall():
                w("INSERT INTO `%s` VALUES (%s);" % (table, ",".join(raw.escape(v) for v in row)))
        w("SET FOREIGN_KEY_CHECKS=1;")
        cur.execute("COMMIT")
    finally:
        raw.close()
        engine.dispose()


def main(argv):
    src = None
    if len(argv) >= 4 and argv[2] == "--from":
        src = argv[3] or None
        argv = argv[:2] + argv[4:]
    if not (len(argv) == 2 or (len(argv) == 4 and argv[2] in ("stamp", "dump"))):
        sys.exit("usage: trove-release.py TROVE_CONF [--from RELEASE] [stamp REVISION | dump DEST]")
    connection = conf_connection(argv[1])
    if argv[2:3] == ["dump"]:
        dump(connection, argv[3])
        return
    facts, ini = code_facts()
    if len(argv) == 4:  # stamp
        rev = argv[3]
        if facts["schema_tool"] != "alembic" or rev not in facts["revisions"]:
            sys.exit("stamp: %s is not an alembic revision of the installed Trove" % rev)
        tool, cur = db_facts(connection)
        if tool == "alembic":
            print("already at alembic revision %s: nothing stamped" % cur)
            return
        if tool != "migrate" or int(cur) < LEGACY_MIN:
            sys.exit("stamp: the database is %s %s, not a sqlalchemy-migrate schema of Wallaby or later" % (tool, cur))
        from alembic import command
        from alembic.config import Config
        config = Config(ini)
        config.set_main_option("sqlalchemy.url", connection.replace("%", "%%"))
        config.attributes["configure_logger"] = False
        command.stamp(config, rev)
        print("stamped alembic revision %s over sqlalchemy-migrate %s" % (rev, cur))
        return
    tool, cur = db_facts(connection)
    facts.update(current_tool=tool, current=cur)
    facts["at_head"] = tool == facts["schema_tool"] and cur == facts["head"]
    facts["stamp"] = ""
    if facts["schema_tool"] == "alembic" and tool == "migrate" and int(cur) >= LEGACY_MIN:
        facts["stamp"] = ALEMBIC_INIT if int(cur) == LEGACY_MIN else ALEMBIC_LEGACY_49
    facts["refuse"] = verdict(facts)
    facts["from"] = src or ""
    if src and not facts["refuse"] and facts["major"] in RELEASES:
        facts["path"] = path_verdict(major_of(src), facts["major"])
    else:
        facts["path"] = ""
    # Guests of Victoria and later run the database in a container and can
    # be rebuilt in place; older ones cannot (upstream: backup and restore).
    facts["in_place_guests"] = not src or major_of(src) >= 14
    del facts["revisions"]
    print(json.dumps(facts, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv)
