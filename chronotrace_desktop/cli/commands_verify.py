"""``chronotrace verify PACKAGE [--sources DIR] [--json] [--quiet]``: check an evidence package on its own.

Runs without an installation: no data dir, no settings, no database, no sign-in, no log file. It loads only
the verifier (standard library + ``domain``), so ``python -m chronotrace_desktop.cli.commands_verify PACKAGE``
works the same and starts in a fraction of a second.

Exit codes: 0 the package is intact; 1 it is not (each problem is printed); 2 there is no package at PATH.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chronotrace_desktop.cli.exits import EXPECTED_STOPS, stopped
from chronotrace_desktop.domain.errors import ExitCode
from chronotrace_desktop.domain.identifiers import printable
from chronotrace_desktop.services.verification import verify_package

if TYPE_CHECKING:
    from collections.abc import Sequence

    from chronotrace_desktop.domain.export import VerifyReport


def register(commands: Any) -> None:
    verify = commands.add_parser(
        "verify",
        help="check an evidence package against its manifest (needs no installation or account)",
    )
    _arguments(verify)
    verify.set_defaults(handler=run_verify, standalone=True)


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("package", type=Path, metavar="PACKAGE", help="the package folder or its .zip")
    parser.add_argument(
        "--sources",
        type=Path,
        metavar="DIR",
        help="also re-hash the source videos found (by file name) under DIR against the recorded hashes",
    )
    parser.add_argument(
        "--key",
        metavar="FINGERPRINT",
        help="require the manifest to be signed by this key (its fingerprint, or the first 16+ hex digits; "
        "spaces and colons ignored), as the exporting installation shows it with 'chronotrace keys show'",
    )
    parser.add_argument("--json", action="store_true", help="print the findings as JSON")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")


def run_verify(args: argparse.Namespace) -> ExitCode:
    """The standalone handler (``chronotrace verify``): errors are printed here, not by the main command."""
    if args.sources is not None and not args.sources.is_dir():
        sys.stderr.write(f"chronotrace: --sources {args.sources} is not a folder\n")
        return ExitCode.USAGE
    progress = None if args.quiet or args.json or not sys.stderr.isatty() else _progress
    try:
        report = verify_package(args.package, sources=args.sources, required_key=args.key, progress=progress)
    except EXPECTED_STOPS as exc:
        return stopped(exc)
    if progress is not None:
        sys.stderr.write("\r\x1b[2K")
    if args.json:
        print(json.dumps(_as_json(report), indent=2))
    else:
        _print(report)
    return ExitCode.OK if report.intact else ExitCode.FAILURE


def _progress(done: int, total: int, name: str) -> None:
    sys.stderr.write(f"\r\x1b[2K[{done}/{total}] {printable(name)[-100:]}")
    sys.stderr.flush()


def _print(report: VerifyReport) -> None:
    for problem in report.problems:
        print(problem)
    sources = f", {report.sources_checked} source video(s)" if report.sources_checked else ""
    if report.intact:
        print(
            f"INTACT: {report.files_checked} file(s){sources} match the manifest of "
            f"{printable(str(report.package))} (case {printable(report.case_id or '?')})."
        )
    else:
        print(f"NOT INTACT: {len(report.problems)} problem(s) in {printable(str(report.package))}.")
    if report.manifest_sha256:
        print(f"manifest.json sha256: {report.manifest_sha256}")
    if report.signer_fingerprint:
        print(f"Signed by key {report.signer_fingerprint}")
        print(
            "Compare this fingerprint with the one the exporting installation shows ('chronotrace keys show')."
        )


def _as_json(report: VerifyReport) -> dict[str, Any]:
    return {
        "package": str(report.package),
        "intact": report.intact,
        "case_id": report.case_id,
        "manifest_sha256": report.manifest_sha256,
        "signer_fingerprint": report.signer_fingerprint,
        "files_checked": report.files_checked,
        "sources_checked": report.sources_checked,
        "problems": [{"kind": p.kind.value, "path": p.path, "detail": p.detail} for p in report.problems],
    }


def main(argv: Sequence[str] | None = None) -> ExitCode:
    parser = argparse.ArgumentParser(
        prog="chronotrace-verify", description="Check a ChronoTrace evidence package against its manifest."
    )
    _arguments(parser)
    return run_verify(parser.parse_args(argv))


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
