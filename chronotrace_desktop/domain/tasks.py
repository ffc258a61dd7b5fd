"""What a long-running service call needs from whoever drives it: a cancel flag and a progress sink.

``workers.task_state.TaskState`` implements it for the GUI and the CLI; services type their parameter with
this protocol so they never import the workers layer.
"""

from __future__ import annotations

from typing import Protocol


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
