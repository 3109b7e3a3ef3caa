"""``houdini-pay plugins new`` writes plugins that install and pass their own tests.

Each scaffolded plugin is installed with pip into a throwaway virtual environment that sees
this environment's packages (houdini-pay, pytest, hatchling) through a ``.pth`` file, so the
test needs no network and installs nothing here; its tests then run in a process of their
own, as the newcomer would run them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest
from click.testing import CliRunner

from houdini_pay.cli import cli
from houdini_pay.testing.databases import POSTGRES_URL_ENV

PASSED_ENV = ("CI", POSTGRES_URL_ENV, "PATH", "HOME", "LANG", "TMPDIR")


def _throwaway_venv(root: Path) -> Path:
    """A virtual environment whose site-packages also reads this one's; its python."""
    venv.create(root, with_pip=False)
    python = root / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # An "import" line of a .pth file runs at start-up; addsitedir also reads the .pth files
    # there (the editable installs of houdini-pay and its plugins).
    ours = sysconfig.get_paths()["purelib"]
    (Path(purelib) / "houdini_pay_host.pth").write_text(f"import site; site.addsitedir({ours!r})\n")
    return python


def _run(*command: object, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k in PASSED_ENV}
    return subprocess.run(
        [str(c) for c in command],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("kind", "name"), [("processor", "paypalish"), ("payment-type", "a_club_for_members_x")]
)
def test_a_scaffolded_plugin_installs_lists_and_passes_its_own_tests(
    tmp_path: Path, kind: str, name: str
) -> None:
    target = tmp_path / "plugin"
    made = CliRunner().invoke(
        cli, ["plugins", "new", name, "--kind", kind, "--directory", str(target), "--json"]
    )
    assert made.exit_code == 0, made.output
    assert "pyproject.toml" in json.loads(made.output)["files"]
    ruff = Path(sys.executable).parent / "ruff"
    linted = _run(ruff, "check", "--no-cache", ".", cwd=target)
    assert linted.returncode == 0, linted.stdout
    assert _run(ruff, "format", "--check", "--no-cache", ".", cwd=target).returncode == 0

    python = _throwaway_venv(tmp_path / "venv")
    installed = _run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        python,
        "install",
        "--quiet",
        "--no-deps",
        "--no-build-isolation",
        "--no-index",
        target,
    )
    assert installed.returncode == 0, installed.stderr

    listed = _run(
        python, "-c", "from houdini_pay.cli import main; main()", "plugins", "--json", cwd=tmp_path
    )
    assert listed.returncode == 0, listed.stderr
    mine = {info["name"]: info for info in json.loads(listed.stdout)}[name]
    assert mine["distribution"] == f"houdini-pay-{name.replace('_', '-')}"
    assert mine["check_pending"] == "passed"
    assert mine["errors"] == []
    if kind == "processor":
        assert mine["processors"] == [name]
        assert "webhooks" in mine["capabilities"][name]
        # Nothing is set in this environment: it says so, naming each variable.
        assert [s["name"] for s in mine["missing_settings"][name]] == [
            f"HOUDINI_PAY_{name.upper()}_{suffix}"
            for suffix in ("API_BASE", "API_KEY", "WEBHOOK_SECRET")
        ]
    else:
        assert mine["payment_types"] == [name]

    tested = _run(python, "-m", "pytest", "-p", "no:cacheprovider", "-q", cwd=target)
    assert tested.returncode == 0, tested.stdout[-3000:]
    assert " passed" in tested.stdout.splitlines()[-1]
    assert "failed" not in tested.stdout.splitlines()[-1]


@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        (["plugins", "new", "Pay-Pal", "--kind", "processor"], "invalid_plugin_name"),
        (["plugins", "new", "class", "--kind", "processor"], "invalid_plugin_name"),
        (["plugins", "new", "x" * 21, "--kind", "processor"], "invalid_plugin_name"),
    ],
)
def test_a_name_that_cannot_be_a_package_is_refused(arguments: list[str], code: str) -> None:
    result = CliRunner().invoke(cli, arguments)
    assert result.exit_code == 1
    assert result.output.startswith(f"error: {code}: ")


def test_an_existing_directory_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    result = CliRunner().invoke(
        cli, ["plugins", "new", "paypal", "--kind", "processor", "--directory", str(tmp_path)]
    )
    assert result.exit_code == 1
    assert "error: directory_not_empty: " in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
