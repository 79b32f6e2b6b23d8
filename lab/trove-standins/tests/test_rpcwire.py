"""The guest's RPC wire format against the installed Trove's own serializers.

Run with the Python of the Trove release under test (Trove 18 on this machine,
Trove 23 in the trixie root): python3 -m unittest discover -s tests
"""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from trove.common import context as trove_context  # noqa: E402
from trove.common import crypto_utils  # noqa: E402
from trove.common.rpc import conductor_guest_serializer, conductor_host_serializer  # noqa: E402
from trove.common.rpc import secure_serializer, serializer  # noqa: E402

from standins.guest import rpcwire  # noqa: E402

KEY = "lab-test-key-0123456789abcdefghij"
GUEST_ID = "7c1d7a0e-3b9c-4c1e-9d8e-0a1b2c3d4e5f"


def trove_side():
    """What Trove's taskmanager uses to talk to a guest."""
    return secure_serializer.SecureSerializer(serializer.TroveRequestContextSerializer(None), KEY)


class CryptoTest(unittest.TestCase):
    def test_trove_decrypts_ours(self):
        for text in ("", "x", "a" * 16, "é and ü", json.dumps({"k": [1, 2, 3]}) * 50):
            got = crypto_utils.decrypt_data(crypto_utils.decode_data(rpcwire.encrypt(text, KEY)), KEY)
            self.assertEqual(got.decode("utf-8"), text)

    def test_we_decrypt_trove(self):
        for text in ("", "x", "a" * 16, "é and ü"):
            blob = crypto_utils.encode_data(crypto_utils.encrypt_data(text, KEY))
            self.assertEqual(rpcwire.decrypt(blob, KEY).decode("utf-8"), text)

    def test_wrong_key_does_not_decrypt(self):
        blob = rpcwire.encrypt(json.dumps({"a": 1}), KEY)
        with self.assertRaises(Exception):
            json.loads(rpcwire.decrypt(blob, KEY + "x"))


class GuestTopicTest(unittest.TestCase):
    def test_context_from_trove(self):
        ctx = trove_context.TroveContext(auth_token="tok-123", project_id="proj-9", user_id="user-1",
                                         service_catalog=[{"type": "object-store"}])
        wire = trove_side().serialize_context(ctx)
        self.assertNotIn("tok-123", json.dumps(wire), "the context must travel encrypted")
        got = rpcwire.GuestSerializer(KEY).deserialize_context(wire)
        self.assertEqual(got["auth_token"], "tok-123")
        self.assertEqual(got["project_id"], "proj-9")
        self.assertEqual(got["service_catalog"], [{"type": "object-store"}])

    def test_arguments_both_ways(self):
        ctx = trove_context.TroveContext()
        ours = rpcwire.GuestSerializer(KEY)
        for entity in ({"_name": "testdb", "_character_set": None}, [1, "two"], "s", 3, None, True):
            self.assertEqual(ours.deserialize_entity(None, trove_side().serialize_entity(ctx, entity)), entity)
            self.assertEqual(trove_side().deserialize_entity(ctx, ours.serialize_entity(None, entity)), entity)

    def test_unkeyed_instances_pass_through(self):
        ours = rpcwire.GuestSerializer(None)
        self.assertEqual(ours.deserialize_entity(None, {"a": 1}), {"a": 1})


class ConductorTest(unittest.TestCase):
    def setUp(self):
        self._orig = conductor_host_serializer.get_instance_encryption_key
        conductor_host_serializer.get_instance_encryption_key = lambda instance_id: (
            KEY if instance_id == GUEST_ID else None)

    def tearDown(self):
        conductor_host_serializer.get_instance_encryption_key = self._orig

    def test_conductor_reads_our_heartbeat(self):
        host = conductor_host_serializer.ConductorHostSerializer(serializer.TroveRequestContextSerializer(None))
        ours = rpcwire.ConductorSerializer(KEY, GUEST_ID)
        payload = {"service_status": "healthy"}
        self.assertEqual(host.deserialize_entity(None, ours.serialize_entity(None, payload)), payload)
        ctx = host.deserialize_context(ours.serialize_context(rpcwire.guest_context(GUEST_ID)))
        self.assertIsInstance(ctx, trove_context.TroveContext)
        self.assertTrue(ctx.is_admin)

    def test_same_shape_as_trove_guest(self):
        """Trove's own guest-side serializer and ours produce what the conductor decodes alike."""
        from oslo_config import cfg
        try:
            cfg.CONF.register_opt(cfg.StrOpt("guest_id"))
        except cfg.DuplicateOptError:
            pass
        cfg.CONF.set_override("guest_id", GUEST_ID)
        theirs = conductor_guest_serializer.ConductorGuestSerializer(None, KEY)
        ours = rpcwire.ConductorSerializer(KEY, GUEST_ID)
        a, b = json.loads(theirs.serialize_entity(None, {"x": 1})), json.loads(ours.serialize_entity(None, {"x": 1}))
        self.assertEqual(sorted(a), sorted(b))
        self.assertEqual(a["csz-instance-id"], b["csz-instance-id"])


if __name__ == "__main__":
    unittest.main()
