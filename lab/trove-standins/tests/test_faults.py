"""standins.faults: arming, matching, counting, the record of what fired."""
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from standins.faults import Faults  # noqa: E402


class FaultsTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.f = Faults(self.dir)

    def test_disarmed_never_fires(self):
        self.assertFalse(self.f.fire("rebuild_error", "srv"))
        self.assertEqual(self.f.fired(), [])

    def test_once_by_default(self):
        self.f.arm("rebuild_error")
        self.assertTrue(self.f.fire("rebuild_error", "srv"))
        self.assertFalse(self.f.fire("rebuild_error", "srv"))
        self.assertEqual([e["fault"] for e in self.f.fired()], ["rebuild_error"])

    def test_match_limits_it_to_one_instance(self):
        self.f.arm("restore_lose_row", match="inst-b")
        self.assertFalse(self.f.fire("restore_lose_row", "inst-a", "server-a"))
        self.assertTrue(self.f.fire("restore_lose_row", "inst-b", "server-b"))
        self.assertEqual(self.f.armed(), {})

    def test_entries_for_different_targets_coexist(self):
        self.f.arm("rebuild_error", match="srv-1")
        self.f.arm("rebuild_error", match="srv-2")
        self.assertTrue(self.f.fire("rebuild_error", "srv-2"))
        self.assertEqual(self.f.armed(), {"rebuild_error": [{"match": "srv-1", "times": 1}]})
        self.assertTrue(self.f.disarm("rebuild_error", "srv-1"))
        self.assertFalse(self.f.fire("rebuild_error", "srv-1"))

    def test_times_and_always(self):
        self.f.arm("api_500", times=2)
        self.assertTrue(self.f.fire("api_500"))
        self.assertTrue(self.f.fire("api_500"))
        self.assertFalse(self.f.fire("api_500"))
        self.f.arm("boot_error", times=-1)
        for _ in range(3):
            self.assertTrue(self.f.fire("boot_error"))
        self.assertTrue(self.f.disarm("boot_error"))
        self.assertFalse(self.f.fire("boot_error"))

    def test_unknown_fault_is_refused(self):
        with self.assertRaises(ValueError):
            self.f.arm("no_such_fault")


if __name__ == "__main__":
    unittest.main()
