"""bcrypt password hashing. Never log or return a password; only hashes are stored."""

from __future__ import annotations

from functools import lru_cache

import bcrypt


@lru_cache(maxsize=4)
def _dummy_hash(rounds: int) -> bytes:
    """Verifying against this keeps "unknown user" as slow as "wrong password"."""
    return bcrypt.hashpw(b"chronotrace-timing-equaliser", bcrypt.gensalt(rounds=rounds))


def hash_password(password: str, rounds: int) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds=rounds)).decode("ascii")


def verify_password(password: str, password_hash: str | None, *, rounds: int) -> bool:
    candidate = password.encode("utf-8")[:72]
    if not password_hash:
        bcrypt.checkpw(candidate, _dummy_hash(rounds))
        return False
    try:
        return bcrypt.checkpw(candidate, password_hash.encode("ascii"))
    except ValueError:  # a malformed stored hash never authenticates anybody
        return False
