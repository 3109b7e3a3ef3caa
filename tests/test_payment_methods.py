"""The payment methods a nonprofit can offer, as plugins describe them to front ends."""

from __future__ import annotations

import json
from collections.abc import Callable

from click.testing import CliRunner

from houdini_pay import HoudiniPay
from houdini_pay.cli import cli
from houdini_pay.contract._payment_methods import available_methods


def test_installed_plugins_tell_front_ends_what_to_send(
    houdini_database_url: str, houdini_make_app: Callable[..., HoudiniPay]
) -> None:
    app = houdini_make_app(entry_points=True)
    nonprofit = app.create_nonprofit("Riverside Food Bank", "USD", country="US")
    result = CliRunner().invoke(
        cli,
        ["--database-url", houdini_database_url, "nonprofits", "methods", nonprofit.id, "--json"],
    )
    assert result.exit_code == 0, result.output
    methods = json.loads(result.stdout)
    assert "offsite" not in methods.pop("missing_settings")  # configured: nothing to set
    assert methods == available_methods(app, nonprofit.id)
    assert methods["country"] == "US"
    by_processor = {method["processor"]: method for method in methods["methods"]}
    offsite = by_processor["offsite"]
    assert offsite["processor"] == "offsite"
    assert offsite["moves_money"] is False
    assert offsite["countries"] is None
    assert "check_number" in offsite["processing_object_schema"]["properties"]
    [source_type] = offsite["source_types"]
    assert source_type["source_object_schema"]["required"] == ["method"]
    assert {"symbol": "donation", "display_name": "Donation"} in methods["payment_types"]
    # The answer is a copy: changing it leaves the plugin's declaration alone.
    offsite["processing_object_schema"]["properties"].clear()
    again = available_methods(app, nonprofit.id)["methods"]
    assert next(m for m in again if m["processor"] == "offsite")["processing_object_schema"]


def test_a_disabled_processor_is_not_offered(houdini_make_app: Callable[..., HoudiniPay]) -> None:
    app = houdini_make_app(entry_points=True)
    nonprofit = app.create_nonprofit("Riverside Food Bank", "USD")
    offered = available_methods(app, nonprofit.id, country="us")["methods"]
    assert "offsite" in [method["processor"] for method in offered]
    app.set_enabled(nonprofit.id, "processor", "offsite", False)
    offered = available_methods(app, nonprofit.id, country="us")["methods"]
    assert "offsite" not in [method["processor"] for method in offered]
