"""Backups of one instance: a real dump stored as an object in Swift, and its restore.

A backup is `mariadb-dump --all-databases` (gzip) uploaded to Swift as
CONTAINER/<backup id>.sql.gz (CONTAINER: the backup's swift_container or
backup_swift_container, database_backups by default) with the user's token
from the RPC context, as Trove's backup container does with --os-token. The
conductor gets the record's state, size, location (the object's URL) and
checksum (Swift's ETag, which Trove compares on restore).
A restore downloads the object named by the backup's location with the
restoring user's token, checks its ETag against the recorded checksum and
loads it into the new instance's server.
"""
import gzip
import hashlib
import io
import logging
import subprocess
import time

from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3
import swiftclient

LOG = logging.getLogger("standins.guest.backup")


def swift_for(ctx, auth_url, region):
    """A Swift connection with the caller's token and the object-store endpoint of its catalog."""
    token = ctx.get("auth_token")
    project = ctx.get("project_id") or ctx.get("tenant")
    if not token:
        raise RuntimeError("the request context carries no token for Swift")
    auth = v3.Token(auth_url=auth_url, token=token, project_id=project)
    sess = ks_session.Session(auth=auth)
    url = sess.get_endpoint(service_type="object-store", interface="public", region_name=region)
    return swiftclient.Connection(preauthurl=url, preauthtoken=token, retries=2), url


def dump(db):
    """gzip'd dump of every database, as bytes."""
    t0 = time.monotonic()
    p = subprocess.run(db.dump_command(), capture_output=True)
    if p.returncode != 0:
        raise RuntimeError("mariadb-dump failed: %s" % p.stderr.decode(errors="replace")[-1500:])
    data = gzip.compress(p.stdout, compresslevel=6)
    LOG.info("dump: %d bytes (%d gzip'd) in %.1f s", len(p.stdout), len(data), time.monotonic() - t0)
    return data


def upload(conn, url, container, backup_id, data, metadata):
    name = "%s.sql.gz" % backup_id
    conn.put_container(container)
    headers = {"X-Object-Meta-%s" % k: str(v) for k, v in metadata.items()}
    etag = conn.put_object(container, name, io.BytesIO(data), content_length=len(data),
                           content_type="application/gzip", headers=headers)
    want = hashlib.md5(data).hexdigest()
    if etag.strip('"') != want:
        raise RuntimeError("Swift stored %s with ETag %s, expected %s" % (name, etag, want))
    return "%s/%s/%s" % (url.rstrip("/"), container, name), want


def download(conn, location, checksum):
    parts = location.rstrip("/").split("/")
    container, name = parts[-2], parts[-1]
    headers, body = conn.get_object(container, name)
    etag = headers.get("etag", "").strip('"')
    if checksum and etag != checksum:
        raise RuntimeError("backup object %s has ETag %s, the backup record says %s" % (location, etag, checksum))
    if hashlib.md5(body).hexdigest() != etag:
        raise RuntimeError("backup object %s: body does not match its ETag" % location)
    return body


def load(db, data):
    t0 = time.monotonic()
    sql = gzip.decompress(data)
    p = subprocess.run(db.client(), input=sql, capture_output=True)
    if p.returncode != 0:
        raise RuntimeError("loading the dump failed: %s" % p.stderr.decode(errors="replace")[-1500:])
    db.execute([("FLUSH PRIVILEGES", None)])
    LOG.info("restore: %d bytes loaded in %.1f s", len(sql), time.monotonic() - t0)


def lose_a_row(db, ignore_dbs):
    """The restore_lose_row fault: delete one row of the first user table that has rows."""
    rows = db.query("SELECT table_schema, table_name FROM information_schema.tables "
                    "WHERE table_type = 'BASE TABLE' ORDER BY table_schema, table_name")
    for schema, table in rows:
        if schema in ignore_dbs:
            continue
        n = db.query("SELECT COUNT(*) FROM `%s`.`%s`" % (schema, table))[0][0]
        if n:
            db.execute([("DELETE FROM `%s`.`%s` LIMIT 1" % (schema, table), None)])
            return "%s.%s (%d -> %d rows)" % (schema, table, n, n - 1)
    return None
