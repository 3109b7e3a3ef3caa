"""``houdini-pay staff create`` prints a one-time link that sets the member's password."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from houdini_pay import HoudiniPay
from houdini_pay.admin import accounts

EXECUTABLE = Path(sys.executable).parent / "houdini-pay"


def _run(url: str, *args: str, expect: int = 0) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(EXECUTABLE), "--database-url", url, *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == expect, (result.stdout, result.stderr)
    return result


def test_staff_create_prints_a_set_password_link(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    _run(url, "db", "upgrade")
    made = _run(url, "nonprofits", "create", "--name", "Riverside", "--currency", "USD", "--json")
    nonprofit = json.loads(made.stdout)["id"]
    created = _run(
        url,
        "staff",
        "create",
        "--nonprofit",
        nonprofit,
        "--email",
        "Grace@Example.org",
        "--role",
        "owner",
        "--base-url",
        "https://pay.example.org",
        "--json",
    )
    member = json.loads(created.stdout)
    assert member["email"] == "grace@example.org"
    assert member["role"] == "owner"
    assert "password_hash" not in member
    link = urlsplit(member["set_password_link"])
    assert (link.scheme, link.netloc, link.path) == (
        "https",
        "pay.example.org",
        "/admin/set-password",
    )
    token = parse_qs(link.query)["token"][0]

    again = _run(url, "staff", "create", "--nonprofit", nonprofit, "--email",
                 "grace@example.org", "--role", "staff", expect=1)  # fmt: skip
    assert "already staff" in again.stderr
    listed = _run(url, "staff", "list", "--nonprofit", nonprofit)
    assert "grace@example.org  owner" in listed.stdout

    app = HoudiniPay.from_env({}, database_url=url)
    try:
        accounts.set_password(app, token, "a long enough password")
        signed_in = accounts.sign_in(app, nonprofit, "grace@example.org", "a long enough password")
        assert signed_in.role == "owner"
    finally:
        app.dispose()
