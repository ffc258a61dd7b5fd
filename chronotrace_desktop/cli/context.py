"""What every command shares: the installation's paths and settings, the opened services, credentials."""

from __future__ import annotations

import getpass
import os
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from chronotrace_desktop.config import Paths, Settings, load_settings, resolve_paths
from chronotrace_desktop.domain.errors import AuthenticationError, InvalidInputError
from chronotrace_desktop.logsetup import configure_logging
from chronotrace_desktop.services.app import AppServices, open_app

if TYPE_CHECKING:
    import argparse

    from chronotrace_desktop.domain.users import Actor, ReauthPurpose
    from chronotrace_desktop.services.access import ReauthProof

PASSWORD_ENV = "CHRONOTRACE_PASSWORD"
NEW_PASSWORD_ENV = "CHRONOTRACE_NEW_PASSWORD"


@dataclass
class CliContext:
    args: argparse.Namespace
    paths: Paths
    settings: Settings
    _services: AppServices | None = field(default=None, init=False)

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> CliContext:
        paths = resolve_paths(args.data_dir)
        settings = load_settings(paths, profile=args.profile)
        configure_logging(paths, settings.log_level, stderr_level=10 if args.verbose else 30)
        return cls(args, paths, settings)

    def services(self, *, migrate: bool = True) -> AppServices:
        if self._services is None:
            self._services = open_app(self.settings, self.paths, migrate=migrate)
        return self._services

    def close(self) -> None:
        if self._services is not None:
            self._services.close()
            self._services = None

    def actor(self, *, migrate: bool = True) -> Actor:
        """Sign in as ``--user`` with ``CHRONOTRACE_PASSWORD`` or a prompt."""
        email = getattr(self.args, "user", None)
        if not email:
            raise InvalidInputError("this command needs --user EMAIL (the account that performs it)")
        password = acting_password(email)
        return self.services(migrate=migrate).auth.login(email, password, client="cli")

    def reauthenticated_actor(self, purpose: ReauthPurpose) -> tuple[Actor, ReauthProof]:
        """Sign in as ``--user`` and re-authenticate for ``purpose`` (a reveal, an unredacted export).

        A command has no session that could be left open: the password read for it (``CHRONOTRACE_PASSWORD`` or
        a prompt) is the one re-entered, checked against the account once more and audited as
        ``user_reauthenticated``, which the revealing services require.
        """
        email = getattr(self.args, "user", None)
        if not email:
            raise InvalidInputError("this command needs --user EMAIL (the account that performs it)")
        password = acting_password(email)
        services = self.services()
        actor = services.auth.login(email, password, client="cli")
        return actor, services.reauth.confirm(actor, password, purpose)


def acting_password(email: str) -> str:
    password = os.environ.get(PASSWORD_ENV)
    if password is not None:
        return password
    if not sys.stdin.isatty():
        raise AuthenticationError(f"no password for {email}: set {PASSWORD_ENV} or run in a terminal")
    return getpass.getpass(f"Password for {email}: ")


def new_password(prompt_for: str, *, env: str = NEW_PASSWORD_ENV) -> str:
    """A new password from ``env`` or typed twice at a prompt."""
    password = os.environ.get(env)
    if password is not None:
        return password
    if not sys.stdin.isatty():
        raise InvalidInputError(f"no new password for {prompt_for}: set {env} or run in a terminal")
    first = getpass.getpass(f"New password for {prompt_for}: ")
    if getpass.getpass("Repeat it: ") != first:
        raise InvalidInputError("the two passwords differ")
    return first
