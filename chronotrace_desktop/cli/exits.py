"""How a command that stopped early ends: its reason on stderr and its exit code, for every command alike.

Imports nothing but the domain's errors, so the light ``verify`` command can use it too.
"""

from __future__ import annotations

import sys

from chronotrace_desktop.domain.errors import ExitCode, OperationCancelledError, UserFacingError

# What a command may stop with and still end as planned (anything else is a bug: logged, exit 1).
EXPECTED_STOPS = (UserFacingError, KeyboardInterrupt, OperationCancelledError)


def stopped(exc: UserFacingError | KeyboardInterrupt | OperationCancelledError) -> ExitCode:
    """Say why the command stopped (``chronotrace: ...`` on stderr) and return its exit code."""
    if isinstance(exc, UserFacingError):
        sys.stderr.write(f"chronotrace: {exc}\n")
        return exc.exit_code
    sys.stderr.write("chronotrace: interrupted\n")
    return ExitCode.INTERRUPTED
