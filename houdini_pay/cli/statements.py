"""Commands for statements, annual receipts and exports of payments."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import click

from houdini_pay.app import HoudiniPay
from houdini_pay.cli_support import json_option, parse_date, pass_app, print_json
from houdini_pay.errors import InvalidRequest
from houdini_pay.money import format_amount
from houdini_pay.statements import (
    AssignedReceipt,
    Period,
    build_statement,
    export_payments,
    issue_receipts,
    render_statement,
)
from houdini_pay.statements.export import check_format
from houdini_pay.statements.files import atomic_text_file, write_atomically
from houdini_pay.statements.formatting import resolve_locale
from houdini_pay.tenancy import ALL_NONPROFITS

__all__ = ["COMMANDS", "export"]

STDOUT = "-"

_timezone_option = click.option(
    "--timezone",
    default="UTC",
    show_default=True,
    help="IANA time zone the days are counted in, e.g. America/New_York.",
)
_locale_option = click.option(
    "--locale", help="How amounts and dates are written, e.g. fr_CA (default: from the country)."
)


def _period(
    year: int | None, first: str | None, last: str | None, timezone: str, *, year_allowed: bool
) -> Period:
    """The period given as ``--year`` or as ``--from`` and ``--to``."""
    start, end = parse_date(first, "--from"), parse_date(last, "--to")
    if year is not None and (start or end):
        raise InvalidRequest("give --year or --from/--to, not both", code="invalid_period")
    if year is not None and year_allowed:
        return Period.calendar_year(year, timezone)
    if start is None or end is None:
        wanted = "--year, or --from and --to" if year_allowed else "--from and --to"
        raise InvalidRequest(f"give {wanted}", code="invalid_period")
    return Period.between(start, end, timezone)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _check_output(output: str) -> None:
    if output != STDOUT and Path(output).is_dir():
        raise InvalidRequest(f"--output {output!r} is a folder; give a file name")
    if output != STDOUT and not Path(output).parent.is_dir():
        raise InvalidRequest(f"the folder of --output {output!r} does not exist")


@click.command()
@click.option("--supporter", "supporter_id", required=True, help="Supporter id.")
@click.option("--nonprofit", "nonprofit_id", help="Only if the supporter is this nonprofit's.")
@click.option("--year", type=int, help="A calendar year, e.g. 2025.")
@click.option("--from", "first", metavar="DATE", help="First day, YYYY-MM-DD.")
@click.option("--to", "last", metavar="DATE", help="Last day, YYYY-MM-DD (included).")
@click.option("--format", "file_format", default="pdf", show_default=True, help="pdf or csv.")
@click.option("--output", required=True, metavar="FILE", help="File to write; - for stdout.")
@_timezone_option
@_locale_option
@json_option
@pass_app
def statement(
    app: HoudiniPay,
    supporter_id: str,
    nonprofit_id: str | None,
    year: int | None,
    first: str | None,
    last: str | None,
    file_format: str,
    output: str,
    timezone: str,
    locale: str | None,
    as_json: bool,
) -> None:
    """Write a supporter's giving statement for a year or a range of days.

    Lists every gift, ticket and recurring charge of the period, with refunds and disputes
    as negative lines, the totals and the tax-deductible amount. A year for which receipts
    were issued shows the supporter's receipt number.
    """
    check_format(file_format, ("pdf", "csv"))
    _check_output(output)
    if locale is not None:
        resolve_locale(locale)
    period = _period(year, first, last, timezone, year_allowed=True)
    built = build_statement(app, supporter_id, period, nonprofit_id=nonprofit_id or ALL_NONPROFITS)
    document = render_statement(built, file_format, locale=locale)
    if output == STDOUT:
        sys.stdout.buffer.write(document.content)
        sys.stdout.flush()
        return
    write_atomically(Path(output), document.content)
    if as_json:
        print_json({**built.to_dict(), "file": output})
        return
    shown = resolve_locale(locale, built.nonprofit.country)
    receipt = f", receipt {built.receipt_number}" if built.receipt_number else ""
    click.echo(
        f"wrote {output}: {built.count_summary}, "
        f"net {format_amount(built.net, built.currency, shown)}, "
        f"tax-deductible {format_amount(built.deductible, built.currency, shown)}{receipt}"
    )


def _progress_bar(receipts: list[AssignedReceipt]) -> Iterator[AssignedReceipt]:
    """Advance a bar on standard error as each receipt is written (hidden when not a TTY)."""
    with click.progressbar(
        receipts,
        label=f"Writing {_count(len(receipts), 'receipt')}",
        file=sys.stderr,
        hidden=not sys.stderr.isatty(),
    ) as bar:
        yield from bar


@click.group()
def receipts() -> None:
    """Annual giving receipts, numbered without gaps."""


@receipts.command("issue")
@click.option("--nonprofit", "nonprofit_id", required=True, help="Nonprofit id.")
@click.option("--year", type=int, required=True, help="The calendar year, e.g. 2025.")
@click.option(
    "--output-dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the PDFs (created if missing).",
)
@_timezone_option
@_locale_option
@json_option
@pass_app
def issue(
    app: HoudiniPay,
    nonprofit_id: str,
    year: int,
    output_dir: Path,
    timezone: str,
    locale: str | None,
    as_json: bool,
) -> None:
    """Write one numbered receipt PDF per supporter who gave during the year.

    Supporters keep their numbers: running it again rewrites the same files with the same
    numbers and numbers only the supporters whose giving was recorded since.
    """
    run = issue_receipts(
        app,
        nonprofit_id,
        year,
        output_dir,
        locale=locale,
        timezone=timezone,
        progress=_progress_bar,
    )
    if as_json:
        print_json(run)
        return
    numbers = f" (numbers 1 to {len(run.receipts)})" if run.receipts else ""
    click.echo(
        f"{_count(len(run.receipts), 'receipt')} for {year} in {output_dir}{numbers}; "
        f"{run.new_count} newly numbered"
    )


@click.command("export")
@click.option("--nonprofit", "nonprofit_id", required=True, help="Nonprofit id.")
@click.option("--from", "first", required=True, metavar="DATE", help="First day, YYYY-MM-DD.")
@click.option(
    "--to", "last", required=True, metavar="DATE", help="Last day, YYYY-MM-DD (included)."
)
@click.option("--format", "file_format", default="csv", show_default=True, help="csv or jsonl.")
@click.option("--output", required=True, metavar="FILE", help="File to write; - for stdout.")
@_timezone_option
@json_option
@pass_app
def export(
    app: HoudiniPay,
    nonprofit_id: str,
    first: str,
    last: str,
    file_format: str,
    output: str,
    timezone: str,
    as_json: bool,
) -> None:
    """Export every payment of a period with gross, fee, net, kind, status and references.

    Streams: memory stays flat however many payments there are. CSV amounts are decimals
    (25.00); JSON Lines amounts are minor units (2500).
    """
    check_format(file_format)
    _check_output(output)
    period = _period(None, first, last, timezone, year_allowed=False)
    if output == STDOUT:
        count = export_payments(app, nonprofit_id, period, file_format, sys.stdout)
    else:
        with atomic_text_file(Path(output)) as stream:
            count = export_payments(app, nonprofit_id, period, file_format, stream)
    summary = {"nonprofit_id": nonprofit_id, "payments": count, "file": output, **period.to_dict()}
    if as_json and output != STDOUT:
        print_json(summary)
    else:
        # With --output -, stdout carries the export itself: the summary goes to stderr.
        click.echo(f"exported {_count(count, 'payment')} to {output}", err=output == STDOUT)


COMMANDS = [statement, receipts]
