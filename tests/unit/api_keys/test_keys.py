"""Issue 17: the shape of a key, scopes and which roles may hold them (no database)."""

from __future__ import annotations

import uuid

import pytest

from chronotrace_desktop.domain.api_keys import (
    KEY_PREFIX,
    PREFIX_LENGTH,
    KeyActor,
    Scope,
    parse_scopes,
    role_covers,
)
from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.domain.roles import Role
from chronotrace_desktop.domain.users import Actor
from chronotrace_desktop.services.api_keys.keys import key_hash, key_prefix, new_key, same_hash, well_formed
from chronotrace_desktop.services.api_keys.service import scrub


def test_a_key_has_the_prefix_and_32_random_bytes() -> None:
    key = new_key()
    assert key.startswith(KEY_PREFIX)
    assert len(key) - len(KEY_PREFIX) >= 43  # 32 bytes in URL-safe base64
    assert well_formed(key)
    assert new_key() != key
    assert len(key_prefix(key)) == PREFIX_LENGTH == 10
    assert len(key_hash(key)) == 64
    assert same_hash(key_hash(key), key)
    assert not same_hash(key_hash(key), new_key())


@pytest.mark.parametrize(
    "text", ["", "ct_live_", "ct_live_short", "ct_test_" + "a" * 43, "ct_live_" + "a" * 42 + "!"]
)
def test_malformed_keys_are_not_keys(text: str) -> None:
    assert not well_formed(text)


def test_scopes_parse_and_name_the_bad_one() -> None:
    assert parse_scopes("read:videos, WRITE:searches") == {Scope.READ_VIDEOS, Scope.WRITE_SEARCHES}
    with pytest.raises(InvalidInputError, match="'read:everything'"):
        parse_scopes("read:videos,read:everything")
    with pytest.raises(InvalidInputError):
        parse_scopes(" , ")


def test_a_role_covers_only_its_own_scopes() -> None:
    assert not role_covers(Role.VIEWER, Scope.WRITE_VIDEOS)
    assert role_covers(Role.VIEWER, Scope.READ_VIDEOS)
    assert role_covers(Role.VIEWER, Scope.WRITE_SEARCHES)
    assert role_covers(Role.ANALYST, Scope.WRITE_VIDEOS)
    assert role_covers(Role.API_USER, Scope.WRITE_VIDEOS)
    assert not role_covers(Role.ANALYST, Scope.ADMIN)
    assert not role_covers(Role.API_USER, Scope.ADMIN)
    assert all(role_covers(Role.ADMIN, scope) for scope in Scope)


def test_admin_scope_implies_the_others() -> None:
    actor = Actor(uuid.uuid4(), "a@b.cc", Role.ADMIN, client="api")
    assert all(KeyActor(actor, uuid.uuid4(), "ct_live_Ab", frozenset({Scope.ADMIN})).allows(s) for s in Scope)
    narrow = KeyActor(actor, uuid.uuid4(), "ct_live_Ab", frozenset({Scope.READ_VIDEOS}))
    assert narrow.allows(Scope.READ_VIDEOS)
    assert not narrow.allows(Scope.WRITE_VIDEOS)


def test_anything_shaped_like_a_key_is_cut_to_its_prefix() -> None:
    key = new_key()
    cleaned = scrub(f"/v1/videos?api_key={key}&x=1")
    assert key not in cleaned
    assert key[:10] in cleaned
