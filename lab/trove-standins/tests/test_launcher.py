"""The compute host's contract with a systemd host (devstack1): which commands it runs.

systemctl and ip are replaced by recording scripts on PATH (this machine has
no systemd as PID 1); the lab tests prove the process launcher for real.
"""
import json
import os
import stat
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from standins import cinder, computehost, config, faults, neutron, store  # noqa: E402

RECORDER = """#!/bin/sh
echo "$(basename "$0") $*" >> "%s"
[ "$1" = is-active ] && exit 3
exit 0
"""


class FakeGlance:
    def image(self, image_id):
        return {"id": image_id, "status": "active"} if image_id == "img-1" else None


class SystemdHostTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.log = os.path.join(self.dir, "commands.log")
        bindir = os.path.join(self.dir, "bin")
        os.makedirs(bindir)
        for tool in ("systemctl", "ip"):
            path = os.path.join(bindir, tool)
            with open(path, "w") as f:
                f.write(RECORDER % self.log)
            os.chmod(path, stat.S_IRWXU)
        self._path = os.environ["PATH"]
        os.environ["PATH"] = bindir + os.pathsep + self._path
        conf = os.path.join(self.dir, "compute.conf")
        with open(conf, "w") as f:
            f.write("[DEFAULT]\nstate_dir = %s/state\nguest_launcher = systemd\nplug_device = host0\n"
                    "boot_seconds = 0\nextra_listeners = 8774=/compute 9696=/networking\n"
                    "[network:private]\ncidr = 10.233.3.0/24\ngateway = 10.233.3.1\npool = 10.233.3.100-10.233.3.101\n"
                    "[flavor:10]\nname = tiny\nram = 512\n" % self.dir)
        self.cfg = config.Config(conf)
        self.cfg.dirs()
        self.st = store.Store(os.path.join(self.dir, "state", "c.sqlite"))
        self.net = neutron.Network(self.st, self.cfg)
        self.net.seed()
        self.vols = cinder.Volumes(self.st, self.cfg)
        self.host = computehost.Host(self.st, self.cfg, self.net, self.vols, faults.Faults(self.cfg.faults_dir),
                                     FakeGlance())
        self.st.put("flavor", {"id": "10", "name": "tiny", "ram": 512, "vcpus": 1, "disk": 0})

    def tearDown(self):
        os.environ["PATH"] = self._path

    def commands(self):
        with open(self.log) as f:
            return [line.strip() for line in f]

    def server(self, sid, image="img-1"):
        self.st.put("server", {"id": sid, "name": "s-" + sid, "project_id": "p", "status": "BUILD",
                               "image_id": image, "flavor_id": "10", "nics": [{}], "volumes": [],
                               "metadata": {}, "personality": [], "user_data": None})

    def test_boot_and_delete_run_the_guest_unit_and_plug_the_address(self):
        self.server("s1")
        self.host.boot("s1")
        s = self.st.get("server", "s1")
        self.assertEqual(s["status"], "ACTIVE")
        self.assertIn("systemctl start --no-block lab-guest@s1.service", self.commands())
        self.assertIn("ip addr add 10.233.3.100/32 dev host0", self.commands())
        with open(os.path.join(self.host.root("s1"), "etc", "lab-guest", "server.json")) as f:
            self.assertEqual(json.load(f)["addresses"], ["10.233.3.100"])
        self.host.delete("s1")
        self.assertIn("ip addr del 10.233.3.100/32 dev host0", self.commands())
        self.assertIsNone(self.st.get("server", "s1"))
        self.assertEqual(self.st.list("port", device_id="s1"), [])

    def test_an_image_glance_lacks_leaves_no_guest(self):
        self.server("s2", image="missing")
        self.host.boot("s2")
        s = self.st.get("server", "s2")
        self.assertEqual(s["status"], "ERROR")
        self.assertIn("missing", s["fault"]["message"])
        cmds = self.commands() if os.path.exists(self.log) else []
        self.assertEqual([c for c in cmds if "lab-guest@s2" in c], [])

    def test_pool_exhaustion_is_a_server_error(self):
        for sid in ("a", "b", "c"):
            self.server(sid)
            self.host.boot(sid)
        self.assertEqual([self.st.get("server", s)["status"] for s in ("a", "b", "c")], ["ACTIVE", "ACTIVE", "ERROR"])

    def test_extra_listeners_parsed(self):
        self.assertEqual(self.cfg.extra_listeners, [(8774, "/compute"), (9696, "/networking")])


if __name__ == "__main__":
    unittest.main()
