"""A database the commands cannot use is one line saying what to do, never a traceback.

The `houdini-pay` console script runs in a subprocess against a real SQLite path and a
PostgreSQL URL, as a deployer runs it; every command of the CLI (plugins' included) is then
swept in-process against the same broken databases.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from sqlalchemy.engine import make_url

from houdini_pay.cli import cli
from houdini_pay.testing import require_postgres

EXECUTABLE = Path(sys.executable).parent / "houdini-pay"
REFUSED = "postgresql://postgres:s3cret-pw@127.0.0.1:1/houdini"
"""Nothing listens on port 1: the connection is refused."""

DATABASE_CODES = (
    "database_not_migrated",
    "database_not_found",
    "database_unreachable",
    "database_read_only",
)


def run(database_url: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the console script; it must fail."""
    result = subprocess.run(
        [str(EXECUTABLE), "--database-url", database_url, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    return result


def error_line(result: subprocess.CompletedProcess[str], code: str) -> str:
    """The one line of standard error, checked to carry ``code``."""
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: {code}: "), lines[0]
    return lines[0]


def empty_sqlite(path: Path) -> str:
    """A SQLite file that exists but was never upgraded."""
    sqlite3.connect(path).close()
    return f"sqlite:///{path}"


COMMANDS = [
    ("nonprofits", "create", "--name", "Riverside", "--currency", "USD"),
    ("nonprofits", "show", "np_x"),
    ("supporters", "create", "--nonprofit", "np_x", "--name", "Ada"),
    ("payments", "list", "--nonprofit", "np_x"),
    ("pay", "--nonprofit", "np_x", "--supporter", "sup_x", "--amount", "100", "--currency",
     "USD", "--type", "donation", "--processor", "offsite"),
    ("reconcile",),
    ("recurring", "run"),
    ("serve",),
]  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS[::2], ids=lambda c: " ".join(c[:2]))
def test_a_never_upgraded_database_says_to_run_db_upgrade(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    result = run(empty_sqlite(tmp_path / "new.db"), *command, cwd=tmp_path)
    line = error_line(result, "database_not_migrated")
    assert "was never upgraded" in line
    assert line.endswith("run `houdini-pay db upgrade`")


def test_a_database_missing_a_migration_names_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    subprocess.run([str(EXECUTABLE), "--database-url", url, "db", "upgrade"], check=True)
    # Back to before core_api_keys, as a database upgraded by an older release would be.
    with sqlite3.connect(tmp_path / "old.db") as connection:
        connection.execute("DROP TABLE public_submissions")
        connection.execute("DROP TABLE api_keys")
        # Whatever the heads are now, the branches go back to where that release left them
        # (the plugins' newest revisions depend on a later core revision).
        connection.execute("DELETE FROM alembic_version")
        connection.executemany(
            "INSERT INTO alembic_version (version_num) VALUES (?)",
            [("core_disputes",), ("donation_0002",), ("stripe_0001",), ("tickets_0001",)],
        )
    result = run(url, "api-keys", "list", cwd=tmp_path)
    line = error_line(result, "database_not_migrated")
    assert "is at core_disputes," in line
    assert "misses core_api_keys, core_public_submissions" in line
    assert line.endswith("run `houdini-pay db upgrade`")


def test_a_sqlite_file_that_does_not_exist_is_not_created(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'typo.db'}"
    for command in COMMANDS[:2]:
        result = run(url, *command, cwd=tmp_path)
        line = error_line(result, "database_not_found")
        assert f"no SQLite database at {tmp_path / 'typo.db'}" in line
        assert "run `houdini-pay db upgrade` to create it" in line
    assert not (tmp_path / "typo.db").exists()


@pytest.mark.parametrize(
    ("where", "advice"),
    [
        ("missing/dir/houdini.db", "does not exist: create it"),
        ("a-file/houdini.db", "is not a folder"),
        ("a-folder", "is a folder: give a file name"),
    ],
)
def test_a_sqlite_path_that_cannot_be_written_is_one_line(
    tmp_path: Path, where: str, advice: str
) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    (tmp_path / "a-folder").mkdir()
    url = f"sqlite:///{tmp_path / where}"
    line = error_line(run(url, "db", "upgrade", cwd=tmp_path), "database_unreachable")
    assert f"cannot open the SQLite database {tmp_path / where}" in line
    assert advice in line


def test_a_read_only_sqlite_database_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "houdini.db"
    subprocess.run(
        [str(EXECUTABLE), "--database-url", f"sqlite:///{path}", "db", "upgrade"], check=True
    )
    # Opened read-only through SQLite's URI form: the same refusal a file the user may not
    # write gets, and one the tests can produce even when they run as root.
    url = f"sqlite:///file:{path}?mode=ro&uri=true"
    command = ("nonprofits", "create", "--name", "N", "--currency", "USD")
    line = error_line(run(url, *command, cwd=tmp_path), "database_read_only")
    assert "give it write access" in line


def test_a_refused_connection_is_one_line_without_the_password(tmp_path: Path) -> None:
    for command in (("db", "upgrade"), COMMANDS[1], COMMANDS[-1]):
        result = run(REFUSED, *command, cwd=tmp_path)
        line = error_line(result, "database_unreachable")
        assert "postgresql://postgres:***@127.0.0.1:1/houdini" in line
        assert "Connection refused" in line
        assert "check that the server is running" in line
        assert "s3cret-pw" not in result.stderr + result.stdout


@pytest.mark.postgres
def test_a_postgresql_database_that_does_not_exist_is_one_line(tmp_path: Path) -> None:
    name = f"houdini_pay_missing_{secrets.token_hex(4)}"
    url = make_url(require_postgres()).set(database=name).render_as_string(hide_password=False)
    for command in (("db", "upgrade"), *COMMANDS[:2]):
        line = error_line(run(url, *command, cwd=tmp_path), "database_not_found")
        assert f"the database '{name}' does not exist" in line
        assert f"create it (createdb {name}) and run `houdini-pay db upgrade`" in line


# -- every command, in-process ------------------------------------------------------------

SKIPPED = {
    ("db", "upgrade"),  # makes the database: covered above
    ("demo",),  # runs on a SQLite file of its own
    ("plugins", "new"),  # writes files, never opens the database
}
"""Commands that never open the deployment's database."""

VALUES = {
    "currency": "USD",
    "email": "staff@example.org",
    "amount": "100",
    "goal": "100",
    "year": "2025",
    "month": "2025-01",
    "first": "2025-01-01",
    "last": "2025-01-31",
    "payment_type": "donation",
    "source_type": "offsite",
    "source_object": '{"method": "cash"}',
    "url": "https://example.org/hook",
    "lines": "Dues:100",
}


def _leaves(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[click.Command]:
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        assert command is not None
        if isinstance(command, click.Group):
            yield from _leaves(command, (*path, name))
        elif (*path, name) not in SKIPPED:
            command.__dict__["_path"] = (*path, name)
            yield command


def _arguments(command: click.Command, tmp_path: Path) -> list[str]:
    """The command's path and a plausible value for each of its required parameters."""
    arguments: list[str] = list(command.__dict__["_path"])
    for parameter in command.params:
        if not (parameter.required or isinstance(parameter, click.Argument)):
            continue
        name = parameter.name or ""
        if isinstance(parameter.type, click.Path):
            (tmp_path / "input.json").write_text("{}")
            value = str(tmp_path / ("input.json" if parameter.type.exists else "out"))
        elif isinstance(parameter.type, click.Choice):
            value = str(parameter.type.choices[0])
        elif name == "output":
            value = str(tmp_path / "out.csv")
        else:
            value = VALUES.get(name, f"{name}_x")
        if isinstance(parameter, click.Option):
            arguments.append(parameter.opts[0])
        arguments.append(value)
    return arguments


def _database_urls(tmp_path: Path) -> dict[str, str]:
    return {
        "database_not_migrated": empty_sqlite(tmp_path / "new.db"),
        "database_not_found": f"sqlite:///{tmp_path / 'typo.db'}",
        "database_unreachable": REFUSED,
    }


def test_every_command_answers_a_broken_database_in_one_line(tmp_path: Path) -> None:
    runner = CliRunner()
    commands = list(_leaves(cli))
    assert len(commands) > 30
    told: dict[str, int] = dict.fromkeys(DATABASE_CODES, 0)
    for expected, url in _database_urls(tmp_path).items():
        for command in commands:
            arguments = _arguments(command, tmp_path)
            result = runner.invoke(cli, ["--database-url", url, *arguments])
            where = (expected, arguments, result.output)
            if arguments[:2] == ["db", "current"] and expected == "database_not_migrated":
                assert "never upgraded" in result.stdout  # what it is there to tell
                continue
            assert result.exit_code != 0, where
            assert isinstance(result.exception, SystemExit), (where, result.exception)
            line = result.stderr.strip()
            assert line.startswith("error: "), where
            assert "\n" not in line, where
            code = line.split(":")[1].strip()
            told[code] = told.get(code, 0) + 1
            # A command may refuse its arguments first (a date, a missing key); when it does
            # reach the database it must say what is wrong with it.
            assert code == expected or code not in DATABASE_CODES, where
    assert told["database_not_migrated"] >= len(commands) - 6
    assert told["database_unreachable"] >= len(commands) - 6


def test_a_payment_on_a_database_short_of_a_plugins_migration_charges_nothing(
    tmp_path: Path,
) -> None:
    """Refused before the pipeline runs, not charged and then given back."""
    url = f"sqlite:///{tmp_path / 'half.db'}"

    def cli_json(*args: str) -> str:
        done = subprocess.run(
            [str(EXECUTABLE), "--database-url", url, *args, "--json"],
            capture_output=True,
            text=True,
            check=True,
        )
        return str(json.loads(done.stdout)["id"])

    subprocess.run([str(EXECUTABLE), "--database-url", url, "db", "upgrade"], check=True)
    nonprofit = cli_json("nonprofits", "create", "--name", "Riverside", "--currency", "USD")
    supporter = cli_json("supporters", "create", "--nonprofit", nonprofit, "--name", "Ada")
    # As if the offsite plugin had been upgraded to a release whose migration is not run.
    with sqlite3.connect(tmp_path / "half.db") as connection:
        connection.execute("DROP TABLE offsite_instructions")
        connection.execute("DELETE FROM alembic_version WHERE version_num = 'offsite_0001'")
    result = run(
        url, "pay", "--nonprofit", nonprofit, "--supporter", supporter, "--amount", "100",
        "--currency", "USD", "--type", "donation", "--processor", "offsite",
        "--processing-object", '{"method": "cash"}', cwd=tmp_path,
    )  # fmt: skip
    line = error_line(result, "database_not_migrated")
    assert "misses offsite_0001" in line
    with sqlite3.connect(tmp_path / "half.db") as connection:
        attempts = connection.execute("SELECT count(*) FROM payment_attempts").fetchone()
    assert attempts == (0,)


def test_every_command_that_moves_money_refuses_a_database_short_of_a_migration(
    tmp_path: Path,
) -> None:
    """reconcile, the recurring charging job, top-ups and transfers, as pay and refund."""
    url = f"sqlite:///{tmp_path / 'half.db'}"
    subprocess.run([str(EXECUTABLE), "--database-url", url, "db", "upgrade"], check=True)
    with sqlite3.connect(tmp_path / "half.db") as connection:
        connection.execute("DROP TABLE offsite_instructions")
        connection.execute("DELETE FROM alembic_version WHERE version_num = 'offsite_0001'")
    commands = [
        ["reconcile"],
        ["recurring", "run"],
        ["accounts", "top-up", "--supporter", "sup_1", "--amount", "100", "--processor", "offsite"],
        ["accounts", "transfer", "--from", "sup_1", "--to", "sup_2", "--amount", "100",
         "--idempotency-key", "k1"],
    ]  # fmt: skip
    for command in commands:
        line = error_line(run(url, *command, cwd=tmp_path), "database_not_migrated")
        assert "misses offsite_0001" in line, command
