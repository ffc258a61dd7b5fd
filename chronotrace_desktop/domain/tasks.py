"""What a long-running call needs from whoever drives it: a cancel flag and a progress sink.

``workers.task_state.TaskState`` implements :class:`TaskControl` for the GUI and the CLI; services type their
parameter with this protocol so they never import the workers layer.

A progress callback has one shape and one name across the code: a parameter called ``progress`` of type
:class:`ProgressCallback`, called ``progress(done, total, note)`` (``total <= 0``: unknown). The note says
what is going on: a message for most work (``ProgressCallback[str]``), a stage where front ends decode it
(``ProgressCallback[IngestStage]``), or a whole event where several files run side by side
(``ProgressCallback[IngestProgress]``).
"""

from __future__ import annotations

from typing import Protocol, TypeVar

NoteT_contra = TypeVar("NoteT_contra", contravariant=True)


class ProgressCallback(Protocol[NoteT_contra]):
    """``progress(done, total, note)``: ``done`` of ``total`` (``total <= 0``: unknown), and what is going on."""

    def __call__(self, done: int, total: int, note: NoteT_contra, /) -> None: ...


class TaskControl(Protocol):
    @property
    def cancelled(self) -> bool: ...

    def check_cancelled(self) -> None:
        """Raise ``OperationCancelledError`` when a cancel was asked for."""

    def progress(self, done: int, total: int, message: str = "") -> None: ...


class Unattended:
    """A task nobody watches and nobody cancels (scripts, tests)."""

    @property
    def cancelled(self) -> bool:
        return False

    def check_cancelled(self) -> None:
        return None

    def progress(self, done: int, total: int, message: str = "") -> None:
        return None
