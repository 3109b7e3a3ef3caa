"""``houdini-pay staff``: the people who sign in to a nonprofit's dashboard at ``/admin``."""

from __future__ import annotations

import click

from houdini_pay.app import HoudiniPay
from houdini_pay.cli_support import json_option, pass_app, print_json

__all__ = ["COMMANDS"]

BASE_URL_ENV = "HOUDINI_PAY_BASE_URL"


@click.group("staff")
def staff_group() -> None:
    """Add and list the staff of a nonprofit's dashboard; delete ended sessions."""


@staff_group.command("create")
@click.option("--nonprofit", "nonprofit_id", required=True, help="Nonprofit id.")
@click.option("--email", required=True, help="The member's e-mail address.")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["owner", "staff", "viewer"]),
    help="owner: everything; staff: payments, refunds, approvals; viewer: read only.",
)
@click.option(
    "--base-url",
    envvar=BASE_URL_ENV,
    default="http://127.0.0.1:8000",
    show_default=True,
    help=f"The server's public address, for the link (or {BASE_URL_ENV}).",
)
@json_option
@pass_app
def create(
    app: HoudiniPay, nonprofit_id: str, email: str, role: str, base_url: str, as_json: bool
) -> None:
    """Add a member; prints their one-time set-password link (valid 72 hours)."""
    from houdini_pay.admin.accounts import create_staff

    new = create_staff(app, nonprofit_id, email, role)
    link = new.link(base_url)
    if as_json:
        print_json({**new.record.to_dict(), "set_password_link": link})
        return
    click.echo(f"{new.record.id}  {new.record.email}  {new.record.role}  for {nonprofit_id}")
    click.echo(f"Set-password link (shown once, valid 72 hours): {link}")


@staff_group.command("list")
@click.option("--nonprofit", "nonprofit_id", required=True, help="Nonprofit id.")
@json_option
@pass_app
def list_members(app: HoudiniPay, nonprofit_id: str, as_json: bool) -> None:
    """List the members of a nonprofit and their roles."""
    from houdini_pay.admin.accounts import list_staff

    members = list_staff(app, nonprofit_id)
    if as_json:
        print_json([member.to_dict() for member in members])
        return
    for member in members:
        click.echo(f"{member.id}  {member.email}  {member.role}")


@staff_group.command("sweep-sessions")
@json_option
@pass_app
def sweep_sessions(app: HoudiniPay, as_json: bool) -> None:
    """Delete every nonprofit's dashboard sessions that have ended (run it from cron)."""
    from houdini_pay.admin.sessions import SessionSettings
    from houdini_pay.admin.sessions import sweep_sessions as sweep

    deleted = sweep(app, SessionSettings.from_env(app.settings.environ))
    if as_json:
        print_json({"deleted": deleted})
        return
    click.echo(f"deleted {deleted} ended session{'s' if deleted != 1 else ''}")


COMMANDS = [staff_group]
