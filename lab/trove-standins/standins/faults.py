"""Faults a test switches on: one JSON file per armed fault in the faults dir.

A test arms a fault by writing FAULTS_DIR/NAME.json (or through the compute
stand-in's admin API, which writes the same file):

    {"match": "",      # "" = any instance; else a server id or name, or a
                       #   Trove instance id (the guest's guest_id)
     "times": 1}       # how many times it fires before it disarms; -1 = always

The compute stand-in and the guests read the same directory, so a fault
armed once reaches whichever process it concerns. Every firing is appended
to FAULTS_DIR/fired.log (one JSON line), so a test can tell that the fault
it armed is the one that acted.

Known faults:
  restore_lose_row   guest: after loading a backup in prepare, delete one
                     row of the first user table that has rows
  upgrade_error      guest: the datastore upgrade fails; the guest reports
                     FAILED (Trove sets the instance to ERROR)
  rebuild_error      compute: the server goes to ERROR during a rebuild,
                     whatever the image
  boot_error         compute: a new server goes to ERROR instead of ACTIVE
  api_500            compute: the next Nova flavor GET answers 500, so
                     Trove's instance create answers 500 before any row
                     exists
"""
import fcntl
import json
import os
import time

KNOWN = ("restore_lose_row", "upgrade_error", "rebuild_error", "boot_error", "api_500")


class Faults:
    def __init__(self, directory):
        self.dir = directory

    def _path(self, name):
        if name not in KNOWN:
            raise ValueError("unknown fault %r (known: %s)" % (name, ", ".join(KNOWN)))
        return os.path.join(self.dir, name + ".json")

    def arm(self, name, match="", times=1):
        os.makedirs(self.dir, exist_ok=True)
        path = self._path(name)
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"match": match or "", "times": int(times)}, f)
        os.replace(tmp, path)

    def disarm(self, name):
        try:
            os.unlink(self._path(name))
            return True
        except FileNotFoundError:
            return False

    def armed(self):
        out = {}
        for name in KNOWN:
            try:
                with open(self._path(name)) as f:
                    out[name] = json.load(f)
            except (FileNotFoundError, ValueError):
                pass
        return out

    def fire(self, name, *identities, detail=""):
        """True when fault NAME is armed for one of the identities; consumes one firing."""
        path = self._path(name)
        if not os.path.exists(path):
            return False
        os.makedirs(self.dir, exist_ok=True)
        with open(os.path.join(self.dir, ".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                with open(path) as f:
                    spec = json.load(f)
            except (FileNotFoundError, ValueError):
                return False
            match = spec.get("match") or ""
            if match and match not in [i for i in identities if i]:
                return False
            times = int(spec.get("times", 1))
            if times > 1:
                spec["times"] = times - 1
                with open(path + ".tmp", "w") as f:
                    json.dump(spec, f)
                os.replace(path + ".tmp", path)
            elif times != -1:
                os.unlink(path)
            with open(os.path.join(self.dir, "fired.log"), "a") as log:
                log.write(json.dumps({"fault": name, "at": time.time(),
                                      "identities": [i for i in identities if i], "detail": detail}) + "\n")
        return True

    def fired(self):
        try:
            with open(os.path.join(self.dir, "fired.log")) as f:
                return [json.loads(line) for line in f if line.strip()]
        except FileNotFoundError:
            return []
