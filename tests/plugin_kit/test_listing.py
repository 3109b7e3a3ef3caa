"""``houdini-pay plugins`` shows every installed plugin, and why a broken one is unusable."""

from __future__ import annotations

import json
from importlib import metadata

import pytest
from click.testing import CliRunner

from houdini_pay.cli import cli


def _installed_with(monkeypatch: pytest.MonkeyPatch, **extra: str) -> None:
    """The installed entry points plus ``extra`` (name -> module:attribute), as if their
    distributions were installed too."""
    real = metadata.entry_points
    added = [metadata.EntryPoint(name, value, "houdini_pay") for name, value in extra.items()]

    def entry_points(**selection: str) -> list[metadata.EntryPoint]:
        found = list(real(**selection))
        return found + added if selection.get("group") == "houdini_pay" else found

    monkeypatch.setattr(metadata, "entry_points", entry_points)


def _listed(arguments: list[str]) -> dict[str, dict[str, object]]:
    result = CliRunner().invoke(cli, arguments)
    assert result.exit_code == 0, result.output
    return {info["name"]: info for info in json.loads(result.output)}


def test_plugins_json_shows_each_plugin_with_its_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HOUDINI_PAY_BLOCK_PLUGINS", raising=False)
    infos = _listed(["plugins", "--json"])
    stripe = infos["stripe"]
    assert stripe["distribution"] == "houdini-pay-stripe"
    assert stripe["version"] == "0.1.0"
    assert stripe["processors"] == ["stripe"]
    assert stripe["source_types"] == ["stripe_payment_method"]
    assert {"refunds", "webhooks", "lookup"} <= set(stripe["capabilities"]["stripe"])  # type: ignore[index]
    assert "register_processors" in stripe["hooks"]  # type: ignore[operator]
    assert (stripe["check_pending"], stripe["errors"]) == ("passed", [])


def test_broken_plugins_are_listed_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HOUDINI_PAY_BLOCK_PLUGINS", raising=False)
    _installed_with(
        monkeypatch,
        misspelled="tests.plugin_kit.listed:misspelled",
        boasting="tests.plugin_kit.listed:boasting",
        missing="tests.plugin_kit.not_a_module",
    )
    infos = _listed(["plugins", "--json"])
    assert infos["misspelled"]["check_pending"] == "failed"
    assert infos["misspelled"]["errors"] == [
        "implements hooks that do not exist: register_procesors (misspelled?)"
    ]
    assert infos["boasting"]["check_pending"] == "passed"
    assert infos["boasting"]["errors"] == [
        "processor 'boasting' declares 'refunds' but does not implement refund()"
    ]
    assert infos["missing"]["check_pending"] == "not run"
    assert "failed to load" in infos["missing"]["errors"][0]  # type: ignore[index]
    assert infos["offsite"]["processors"] == ["offsite"]
    assert infos["offsite"]["errors"] == []

    text = CliRunner().invoke(cli, ["plugins"])
    assert text.exit_code == 0
    assert "error: implements hooks that do not exist: register_procesors" in text.output
    assert "check_pending: failed" in text.output
