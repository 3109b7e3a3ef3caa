"""``houdini-pay api-keys``: the keys the platform sends to the HTTP API."""

from __future__ import annotations

import click

from houdini_pay import api_keys
from houdini_pay.app import HoudiniPay
from houdini_pay.cli_support import json_option, pass_app, print_json

__all__ = ["COMMANDS"]


@click.group("api-keys")
def api_keys_group() -> None:
    """Make, list and revoke the API keys of the HTTP API."""


@api_keys_group.command("create")
@click.option("--nonprofit", "nonprofit_id", required=True, help="Nonprofit id.")
@click.option("--name", help="What the key is for (shown in listings).")
@json_option
@pass_app
def create_key(app: HoudiniPay, nonprofit_id: str, name: str | None, as_json: bool) -> None:
    """Make a key for one nonprofit; it is printed once and stored only hashed."""
    new = api_keys.create_api_key(app, nonprofit_id, name=name)
    if as_json:
        print_json(new)
        return
    click.echo(f"{new.record.id}  for {nonprofit_id}  (shown once: store it now)")
    click.echo(new.key)


@api_keys_group.command("list")
@click.option("--nonprofit", "nonprofit_id", help="Only this nonprofit's keys.")
@json_option
@pass_app
def list_keys(app: HoudiniPay, nonprofit_id: str | None, as_json: bool) -> None:
    """List keys (their first characters only), revoked ones included."""
    records = api_keys.list_api_keys(app, nonprofit_id)
    if as_json:
        print_json([record.to_dict() for record in records])
        return
    for record in records:
        state = f"revoked {record.revoked_at:%Y-%m-%d}" if record.revoked_at else "active"
        click.echo(
            f"{record.id}  {record.prefix}...  {record.nonprofit_id}  {state}  {record.name or ''}"
        )


@api_keys_group.command("revoke")
@click.argument("key_id")
@json_option
@pass_app
def revoke_key(app: HoudiniPay, key_id: str, as_json: bool) -> None:
    """Revoke a key: requests with it answer 401 at once."""
    record = api_keys.revoke_api_key(app, key_id)
    if as_json:
        print_json(record)
    else:
        click.echo(f"{record.id} revoked")


COMMANDS = [api_keys_group]
