from __future__ import annotations

import threading
import time

import pytest

from chronotrace_desktop.domain.errors import EnvironmentProblemError, InvalidInputError
from chronotrace_desktop.media._av import run_with_timeout


@pytest.mark.timeout(10)
def test_a_stuck_call_becomes_an_environment_error_on_time() -> None:
    release = threading.Event()
    started = time.perf_counter()
    with pytest.raises(EnvironmentProblemError, match=r"did not finish within 0\.2 s"):
        run_with_timeout(release.wait, 0.2, "probing stalled.mp4")
    assert time.perf_counter() - started < 2
    release.set()


def test_results_and_errors_pass_through() -> None:
    assert run_with_timeout(lambda: 42, 5, "answer") == 42

    def refuse() -> None:
        raise InvalidInputError("bad file")

    with pytest.raises(InvalidInputError, match="bad file"):
        run_with_timeout(refuse, 5, "refusal")
