"""The SMTP transport settings (issue 13, item 5): ``smtp_security`` (starttls, smtps, none), the older
``smtp_starttls`` switch still read from existing settings files, and no control characters in what goes
into the mail's envelope and headers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from chronotrace_desktop.config import (
    Settings,
    SmtpSecurity,
    load_settings,
    resolve_paths,
    update_settings_file,
)


def _file_settings(tmp_path: Path, values: dict[str, object]) -> Settings:
    paths = resolve_paths(tmp_path)
    paths.config_dir.mkdir(parents=True, exist_ok=True)
    paths.settings_file.write_text(json.dumps(values))
    return load_settings(paths)


def test_transport_security_is_starttls_unless_chosen_otherwise() -> None:
    assert Settings().smtp_security is SmtpSecurity.STARTTLS
    assert Settings(smtp_security="smtps").smtp_security is SmtpSecurity.SMTPS
    assert Settings(smtp_security="none").smtp_security is SmtpSecurity.NONE
    with pytest.raises(ValidationError, match="smtp_security"):
        Settings(smtp_security="tls")


@pytest.mark.parametrize(("older", "security"), [(True, SmtpSecurity.STARTTLS), (False, SmtpSecurity.NONE)])
def test_settings_files_with_the_older_starttls_switch_still_load(
    tmp_path: Path, older: bool, security: SmtpSecurity
) -> None:
    settings = _file_settings(tmp_path, {"smtp_host": "mail.example.org", "smtp_starttls": older})
    assert settings.smtp_security is security
    # smtp_security, once set, wins; and a later change keeps the file's own keys.
    changed = update_settings_file(resolve_paths(tmp_path), {"smtp_security": "smtps"})
    assert changed.smtp_security is SmtpSecurity.SMTPS
    assert json.loads(resolve_paths(tmp_path).settings_file.read_text())["smtp_starttls"] is older


def test_a_ca_file_can_be_named(tmp_path: Path) -> None:
    settings = _file_settings(tmp_path, {"smtp_ca_file": str(tmp_path / "site-ca.pem")})
    assert settings.smtp_ca_file == tmp_path / "site-ca.pem"


@pytest.mark.parametrize("field", ["smtp_host", "smtp_from", "smtp_username"])
def test_control_characters_are_refused_in_smtp_values(field: str) -> None:
    with pytest.raises(ValidationError, match="control character"):
        Settings(**{field: "alerts@example.org\r\nBcc: someone@example.org"})
