"""Per-role S3 credentials: the IAM policy each app role's key gets on the team profile's media bucket.

A workstation holds one S3 key pair (``s3_access_key_id`` + the keyring secret), so whatever that key may do,
the workstation's OS user may do, whatever the app's own checks say (DESIGN "Trust boundary"). An
administrator makes one IAM user (or role) per app role with :func:`role_policy` (``chronotrace s3 policy``)
and gives each workstation the key of its user's role.

The policy follows the permission table (``domain.roles``), never a role's name, so it stays in step with it:

* ``VIEW_REDACTED_MEDIA`` reads redacted media only (keys of ``services.media_access`` and
  ``services.ingest.segments`` under the prefix): renditions ``{video}/redacted/NNNN.<mode>.rV.mp4``, redacted
  thumbnails ``{video}/thumbnails/NNNN.redacted.jpg`` and ``...redacted.upper_body.<digest>.jpg``. Originals
  (cuts ``{video}/segments/NNNN.<ext>``, thumbnails ``{video}/thumbnails/NNNN.jpg``) match none of these.
* ``REVEAL_PII`` or ``EXPORT_UNREDACTED`` reads every object (the originals, and rendering redacted clips from
  them).
* ``INGEST_VIDEO`` writes every object: ingest uploads the cuts and both thumbnails, pre-rendering uploads the
  renditions. A role that may ingest but not reveal (``api_user``) therefore writes originals it cannot read
  back: an upload discloses nothing, and a key stolen from an ingest node does not read faces. Its limits:
  pre-rendering on such a key fails for a cut not in that machine's cache, and a re-ingest cannot remove
  objects a crash left behind (no delete). PutObject can overwrite an object: turn on bucket versioning.
* ``DELETE_VIDEO`` deletes objects (stray objects at a re-ingest, a superseded rendition).
* In ``upper_body`` redaction mode the app derives an upper-body thumbnail from the redacted one the first time
  any role views it, so a role that views redacted media but does not ingest may write those derived keys (and
  only those): the image comes from a redacted one it may read already, so the write reveals nothing; a
  stolen key could at worst replace such a preview (not evidence: clips carry recorded SHA-256s).
* Any of these lists the bucket's key names under the prefix: ``HeadObject`` on a missing key answers 404 only
  to a caller with ``s3:ListBucket`` (else 403, which the app would report as a broken store), and ``doctor``'s
  ``HeadBucket`` needs it. Names are UUIDs and indexes, never content. ``IfExists`` because those two requests
  carry no ``s3:prefix``; an explicit listing elsewhere in the bucket is refused.
"""

from __future__ import annotations

from typing import Any

from chronotrace_desktop.config import RedactionMode
from chronotrace_desktop.domain.roles import PERMISSIONS, Action, Role

POLICY_VERSION = "2012-10-17"
WRITE_ACTIONS = ("s3:PutObject", "s3:AbortMultipartUpload")  # uploads over 8 MB are multipart


def redacted_key_patterns(prefix: str) -> list[str]:
    """Object-key patterns (IAM wildcards) of every redacted object the app stores under ``prefix``."""
    return [
        f"{prefix}*/redacted/*.mp4",
        f"{prefix}*/thumbnails/*.redacted.jpg",
        *upper_body_thumbnail_patterns(prefix),
    ]


def upper_body_thumbnail_patterns(prefix: str) -> list[str]:
    return [f"{prefix}*/thumbnails/*.redacted.upper_body.*.jpg"]


def role_policy(
    role: Role, bucket: str, prefix: str, *, redaction_mode: RedactionMode = RedactionMode.HEADS
) -> dict[str, Any]:
    """The IAM policy document (JSON-serialisable) for ``role``'s key on ``bucket`` under ``prefix``."""
    allowed = PERMISSIONS[role]
    bucket_arn = f"arn:aws:s3:::{bucket}"

    def objects(patterns: list[str]) -> list[str]:
        return [f"{bucket_arn}/{pattern}" for pattern in patterns]

    everything = objects([f"{prefix}*"])
    reads_all = Action.REVEAL_PII in allowed or Action.EXPORT_UNREDACTED in allowed
    writes_all = Action.INGEST_VIDEO in allowed
    statements: list[dict[str, Any]] = []
    if reads_all:
        statements.append(_allow("ReadAllMedia", ["s3:GetObject"], everything))
    elif Action.VIEW_REDACTED_MEDIA in allowed:
        statements.append(
            _allow("ReadRedactedMedia", ["s3:GetObject"], objects(redacted_key_patterns(prefix)))
        )
    if writes_all:
        statements.append(_allow("WriteMedia", list(WRITE_ACTIONS), everything))
    elif Action.VIEW_REDACTED_MEDIA in allowed and redaction_mode == RedactionMode.UPPER_BODY:
        derived = objects(upper_body_thumbnail_patterns(prefix))
        statements.append(_allow("WriteUpperBodyThumbnails", list(WRITE_ACTIONS), derived))
    if Action.DELETE_VIDEO in allowed:
        statements.append(_allow("DeleteMedia", ["s3:DeleteObject"], everything))
    if not statements:
        raise ValueError(f"the role {role.value} may not see any media: give it no S3 key at all")
    listing = _allow("ListMediaKeys", ["s3:ListBucket"], [bucket_arn])
    if prefix:
        listing["Condition"] = {"StringLikeIfExists": {"s3:prefix": [f"{prefix}*"]}}
    return {"Version": POLICY_VERSION, "Statement": [listing, *statements]}


def _allow(sid: str, actions: list[str], resources: list[str]) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources}
