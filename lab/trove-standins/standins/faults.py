"""Faults a test switches on: one JSON file per fault kind in the faults dir.

A test arms a fault by writing FAULTS_DIR/NAME.json, or through the compute
stand-in's admin API (PUT /lab/faults/NAME), which writes the same file:

    {"entries": [{"match": "",   # "" = any; else a server id or name, a Trove
                                 #   instance id (guest_id), or a flavor id (api_500)
                  "times": 1}]}  # firings before the entry disarms; -1 = always

Several entries (different matches) can be armed at once, so tests running
side by side each target their own instances. The compute stand-in and the
guests read the same directory, so a fault armed once reaches whichever
process it concerns. Every firing is appended to FAULTS_DIR/fired.log (one
JSON line), so a test can tell that the fault it armed is the one that acted.

Known faults:
  restore_lose_row   guest: after loading a backup in prepare, delete one
                     row of the first user table that has rows
  rebuild_lose_row   guest: after a rebuild started the database again,
                     delete one row of the first user table that has rows
  upgrade_error      guest: the datastore upgrade fails; the guest reports
                     FAILED (Trove sets the instance to ERROR)
  rebuild_error      compute: the server goes to ERROR during a rebuild,
                     whatever the image
  boot_error         compute: a new server goes to ERROR instead of ACTIVE
  api_500            compute: Nova answers 500 to a GET of the flavor (match:
                     its id), so Trove's instance create answers 500 before
                     any instance row exists
  dump_crash         guest: mariadbd is killed (SIGKILL) as a backup's dump
                     starts, as when it crashes under the dump (MariaDB
                     10.11.19 segfaulted once here, answering mariadb-dump's
                     query of information_schema.columns for mysql.slow_log)
"""
import fcntl
import json
import os
import time

KNOWN = ("restore_lose_row", "rebuild_lose_row", "upgrade_error", "rebuild_error", "boot_error", "api_500",
         "dump_crash")


class Faults:
    def __init__(self, directory):
        self.dir = directory

    def _path(self, name):
        if name not in KNOWN:
            raise ValueError("unknown fault %r (known: %s)" % (name, ", ".join(KNOWN)))
        return os.path.join(self.dir, name + ".json")

    def _locked(self):
        os.makedirs(self.dir, exist_ok=True)
        lock = open(os.path.join(self.dir, ".lock"), "a")
        fcntl.flock(lock, fcntl.LOCK_EX)
        return lock

    def _read(self, path):
        try:
            with open(path) as f:
                return json.load(f).get("entries", [])
        except (FileNotFoundError, ValueError):
            return []

    def _write(self, path, entries):
        if not entries:
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
            return
        with open(path + ".tmp", "w") as f:
            json.dump({"entries": entries}, f)
        os.replace(path + ".tmp", path)

    def arm(self, name, match="", times=1):
        path = self._path(name)
        with self._locked():
            entries = [e for e in self._read(path) if e.get("match", "") != (match or "")]
            entries.append({"match": match or "", "times": int(times)})
            self._write(path, entries)

    def disarm(self, name, match=None):
        """Remove the entry for match, or every entry of the fault when match is None."""
        path = self._path(name)
        with self._locked():
            entries = self._read(path)
            keep = [] if match is None else [e for e in entries if e.get("match", "") != match]
            self._write(path, keep)
            return len(keep) != len(entries)

    def armed(self):
        out = {}
        for name in KNOWN:
            entries = self._read(os.path.join(self.dir, name + ".json"))
            if entries:
                out[name] = entries
        return out

    def fire(self, name, *identities, detail=""):
        """True when fault NAME is armed for one of the identities; consumes one firing."""
        path = self._path(name)
        if not os.path.exists(path):
            return False
        ids = [i for i in identities if i]
        with self._locked():
            entries = self._read(path)
            for i, e in enumerate(entries):
                if e.get("match") and e["match"] not in ids:
                    continue
                times = int(e.get("times", 1))
                if times > 1:
                    e["times"] = times - 1
                elif times != -1:
                    del entries[i]
                self._write(path, entries)
                with open(os.path.join(self.dir, "fired.log"), "a") as log:
                    log.write(json.dumps({"fault": name, "at": time.time(), "match": e.get("match", ""),
                                          "identities": ids, "detail": detail}) + "\n")
                return True
        return False

    def fired(self):
        try:
            with open(os.path.join(self.dir, "fired.log")) as f:
                return [json.loads(line) for line in f if line.strip()]
        except FileNotFoundError:
            return []
