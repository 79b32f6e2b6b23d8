"""Trove's guest RPC on the wire: the per-instance encryption and serializers.

Written against trove.common.rpc.{secure_serializer,conductor_guest_serializer}
and trove.common.crypto_utils, which are the same in Trove 18 (Zed) and
Trove 23 (2025.1), so a guest built on this talks to either release; the
guest carries its own copy, as a real guest image carries its own Trove.
tests/test_rpcwire.py checks it against the installed Trove's classes in
both directions.

- Messages from Trove to the guest (topic guestagent.<instance id>): the
  context and every argument are JSON, AES-256-CBC encrypted with the MD5
  hex digest of the instance's key (instance_rpc_encr_key in
  guest_info.conf), IV prepended, PKCS#7-style padding, base64 text.
- Messages from the guest to the conductor: the same encryption, wrapped as
  {"entity"|"context": ..., "csz-instance-id": guest_id} so the conductor
  can look the key up by instance id.
"""
import base64
import hashlib
import json
import os

import oslo_messaging as messaging
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

IV_BYTES = 16


def _cipher(key, iv):
    md5_key = hashlib.md5(key.encode("utf-8")).hexdigest().encode("ascii")
    return Cipher(algorithms.AES(md5_key), modes.CBC(iv))


def encrypt(text, key):
    data = text.encode("utf-8") if isinstance(text, str) else text
    pad = IV_BYTES - len(data) % IV_BYTES
    data += bytes((pad,)) * pad
    iv = os.urandom(IV_BYTES)
    enc = _cipher(key, iv).encryptor()
    return base64.b64encode(iv + enc.update(data) + enc.finalize()).decode("ascii")


def decrypt(text, key):
    raw = base64.b64decode(text)
    dec = _cipher(key, raw[:IV_BYTES]).decryptor()
    data = dec.update(raw[IV_BYTES:]) + dec.finalize()
    return data[:len(data) - data[-1]]


class GuestSerializer(messaging.Serializer):
    """The guest side of trove.common.rpc.secure_serializer.SecureSerializer.

    Contexts come out as plain dicts (TroveContext.to_dict()), with the
    profiler's trace_info removed as TroveRequestContextSerializer does."""

    def __init__(self, key):
        self.key = key

    def serialize_entity(self, ctxt, entity):
        if self.key is None:
            return entity
        return encrypt(json.dumps(entity), self.key)

    def deserialize_entity(self, ctxt, entity):
        if self.key is None:
            return entity
        try:
            return json.loads(decrypt(entity, self.key))
        except (ValueError, TypeError):
            return entity

    def serialize_context(self, ctxt):
        if self.key is None:
            return ctxt
        return {"context": encrypt(json.dumps(ctxt), self.key)}

    def deserialize_context(self, ctxt):
        if self.key is not None:
            try:
                ctxt = json.loads(decrypt(ctxt["context"], self.key))
            except (ValueError, TypeError, KeyError):
                pass
        ctxt = dict(ctxt)
        ctxt.pop("trace_info", None)
        return ctxt


class ConductorSerializer(messaging.Serializer):
    """The guest side of trove.common.rpc.conductor_guest_serializer."""

    def __init__(self, key, guest_id):
        self.key = key
        self.guest_id = guest_id

    def serialize_entity(self, ctxt, entity):
        if self.key is None:
            return entity
        return json.dumps({"entity": encrypt(json.dumps(entity), self.key), "csz-instance-id": self.guest_id})

    def deserialize_entity(self, ctxt, entity):
        raise NotImplementedError("the guest only sends to the conductor")

    def serialize_context(self, ctxt):
        if self.key is None:
            return ctxt
        return {"context": encrypt(json.dumps(ctxt), self.key), "csz-instance-id": self.guest_id}

    def deserialize_context(self, ctxt):
        raise NotImplementedError("the guest only sends to the conductor")


def guest_context(guest_id):
    """A context for the guest's own messages (TroveContext.to_dict() keys)."""
    from oslo_context import context
    d = context.RequestContext(is_admin=True, overwrite=False).to_dict()
    d.update({"limit": None, "marker": None, "service_catalog": None, "instance_id": guest_id})
    return d
