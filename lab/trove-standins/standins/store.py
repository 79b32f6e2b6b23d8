"""The compute stand-in's state: JSON documents in one SQLite file.

Every resource (server, flavor, volume, network, subnet, port, floating IP,
security group, rule) is a JSON document keyed by (kind, id). SQLite gives
durability across restarts of the stand-in and atomic read-modify-write;
one process owns the file, threads share one connection under a lock.
"""
import json
import sqlite3
import threading
import time


class Conflict(Exception):
    """A document that must not exist already does."""


class Store:
    def __init__(self, path):
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS docs (kind TEXT NOT NULL, id TEXT NOT NULL,"
            " data TEXT NOT NULL, PRIMARY KEY (kind, id))")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS api_calls (service TEXT NOT NULL, method TEXT NOT NULL,"
            " route TEXT NOT NULL, version TEXT NOT NULL, caller TEXT NOT NULL, count INTEGER NOT NULL,"
            " last REAL NOT NULL, PRIMARY KEY (service, method, route, version, caller))")

    def get(self, kind, id_):
        with self._lock:
            row = self._db.execute("SELECT data FROM docs WHERE kind=? AND id=?", (kind, id_)).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, kind, doc):
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO docs (kind, id, data) VALUES (?, ?, ?)",
                             (kind, doc["id"], json.dumps(doc, sort_keys=True)))
        return doc

    def create(self, kind, doc):
        with self._lock:
            try:
                self._db.execute("INSERT INTO docs (kind, id, data) VALUES (?, ?, ?)",
                                 (kind, doc["id"], json.dumps(doc, sort_keys=True)))
            except sqlite3.IntegrityError as e:
                raise Conflict("%s %s exists" % (kind, doc["id"])) from e
        return doc

    def delete(self, kind, id_):
        with self._lock:
            cur = self._db.execute("DELETE FROM docs WHERE kind=? AND id=?", (kind, id_))
        return cur.rowcount > 0

    def list(self, kind, **match):
        """Documents of a kind whose top-level fields equal every given value."""
        with self._lock:
            rows = self._db.execute("SELECT data FROM docs WHERE kind=? ORDER BY rowid", (kind,)).fetchall()
        docs = [json.loads(r[0]) for r in rows]
        return [d for d in docs if all(d.get(k) == v for k, v in match.items())]

    def update(self, kind, id_, fn):
        """Atomically apply fn(doc) -> doc to one document; None if missing."""
        with self._lock:
            doc = self.get(kind, id_)
            if doc is None:
                return None
            new = fn(doc)
            if new is None:
                new = doc
            self.put(kind, new)
            return new

    def count_call(self, service, method, route, version, caller):
        with self._lock:
            self._db.execute(
                "INSERT INTO api_calls (service, method, route, version, caller, count, last)"
                " VALUES (?, ?, ?, ?, ?, 1, ?) ON CONFLICT (service, method, route, version, caller)"
                " DO UPDATE SET count = count + 1, last = excluded.last",
                (service, method, route, version, caller, time.time()))

    def calls(self):
        with self._lock:
            rows = self._db.execute(
                "SELECT service, method, route, version, caller, count FROM api_calls"
                " ORDER BY service, route, method, version, caller").fetchall()
        return [dict(zip(("service", "method", "route", "version", "caller", "count"), r)) for r in rows]

    def reset_calls(self):
        with self._lock:
            self._db.execute("DELETE FROM api_calls")
