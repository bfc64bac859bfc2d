"""Signing keys (Ed25519): the private key signs tokens; the public keys are the JWKS.

Production takes the key from `ECART_USERS_SIGNING_KEY` (PEM). The embedded default
generates one on first start into `<data dir>/users/signing-key.pem` (mode 0600).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import time
import uuid
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from jwt.algorithms import OKPAlgorithm

from ecart.platform.auth import ALGORITHM


class KeyRing:
    """The current signing key plus the public keys still accepted (rotation)."""

    def __init__(self, signing_key: Ed25519PrivateKey, retired: list[Ed25519PublicKey]) -> None:
        self.signing_key = signing_key
        self.kid = thumbprint(signing_key.public_key())
        self._public = {self.kid: signing_key.public_key()}
        for key in retired:
            self._public[thumbprint(key)] = key

    async def key(self, kid: str) -> Any | None:
        return self._public.get(kid)

    def jwks(self) -> dict[str, Any]:
        keys = []
        for kid, public in self._public.items():
            jwk = OKPAlgorithm.to_jwk(public, as_dict=True)
            keys.append({**jwk, "kid": kid, "alg": ALGORITHM, "use": "sig"})
        return {"keys": keys}

    def sign(self, claims: dict[str, Any], ttl_seconds: int) -> str:
        now = int(time.time())
        payload = {**claims, "iat": now, "nbf": now, "exp": now + ttl_seconds}
        payload.setdefault("jti", uuid.uuid4().hex)
        return jwt.encode(payload, self.signing_key, algorithm=ALGORITHM, headers={"kid": self.kid})


def thumbprint(public: Ed25519PublicKey) -> str:
    """RFC 7638 JWK thumbprint: a stable key id."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    x = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    canonical = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": x}, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def load_private_key(pem: str) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("ECART_USERS_SIGNING_KEY must be an Ed25519 private key (PEM)")
    return key


def load_public_keys(pems: str) -> list[Ed25519PublicKey]:
    """Every Ed25519 key in a text of PEM blocks (public keys, or private keys whose public
    half is taken)."""
    keys: list[Ed25519PublicKey] = []
    for match in re.finditer(r"-----BEGIN ([A-Z ]+)-----.+?-----END \1-----", pems, re.DOTALL):
        text = match.group(0).encode()
        if "PRIVATE" in match.group(1):
            keys.append(load_private_key(text.decode()).public_key())
            continue
        public = serialization.load_pem_public_key(text)
        if not isinstance(public, Ed25519PublicKey):
            raise ValueError("ECART_USERS_RETIRED_SIGNING_KEYS holds a key that is not Ed25519")
        keys.append(public)
    return keys


def load_or_create_dev_key(data_dir: Path) -> Ed25519PrivateKey:
    path = data_dir / "users" / "signing-key.pem"
    if path.exists():
        return load_private_key(path.read_text())
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    os.replace(tmp, path)
    return key
