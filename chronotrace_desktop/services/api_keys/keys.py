"""The key itself: made from the system's random source, stored as its SHA-256 only, checked in constant time."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from chronotrace_desktop.domain.api_keys import KEY_PREFIX, KEY_RANDOM_BYTES, PREFIX_LENGTH

# token_urlsafe(32) is 43 characters of the URL-safe base64 alphabet; accept a little more for longer keys.
_KEY_SHAPE = re.compile(re.escape(KEY_PREFIX) + r"[A-Za-z0-9_-]{43,128}")


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(KEY_RANDOM_BYTES)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("ascii")).hexdigest()


def key_prefix(key: str) -> str:
    return key[:PREFIX_LENGTH]


def well_formed(key: str) -> bool:
    return _KEY_SHAPE.fullmatch(key) is not None


def same_hash(stored: str, key: str) -> bool:
    """Whether ``key`` hashes to ``stored``, compared in constant time."""
    return hmac.compare_digest(stored.encode("ascii"), key_hash(key).encode("ascii"))
