"""The endpoint reference of docs/http-api.md, written from the OpenAPI schema.

The reference lies between two markers in the page; everything around them is written by
hand. A test fails when the schema and the page disagree. To rewrite the reference::

    python -m houdini_pay.api.reference docs/http-api.md           # rewrite
    python -m houdini_pay.api.reference --check docs/http-api.md   # exit 1 if out of date

Only the core's routes are described: the schema is built with no plugin loaded.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["BEGIN", "END", "core_schema", "render_reference", "replace_reference"]

BEGIN = "<!-- reference: begin (python -m houdini_pay.api.reference docs/http-api.md) -->"
END = "<!-- reference: end -->"

Schema = Mapping[str, Any]


def core_schema() -> dict[str, Any]:
    """The OpenAPI schema of the core's routes (no plugin, no database needed)."""
    from houdini_pay.api.factory import create_api
    from houdini_pay.api.settings import ApiSettings
    from houdini_pay.app import HoudiniPay
    from houdini_pay.contract._plugins import build_plugin_manager

    app = HoudiniPay(
        "sqlite://", plugin_manager=build_plugin_manager(load_entry_points=False, blocked=())
    )
    try:
        return create_api(app, settings=ApiSettings()).openapi()
    finally:
        app.dispose()


def _name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _type(schema: Schema) -> str:
    """A short description of a JSON Schema: ``string (1-100)``, ``Payment or null``."""
    if "$ref" in schema:
        return f"[{_name(schema['$ref'])}](#{_name(schema['$ref']).lower()})"
    if "anyOf" in schema:
        return " or ".join(_type(option) for option in schema["anyOf"])
    if "enum" in schema:
        return " \\| ".join(f"`{value}`" for value in schema["enum"])
    kind = schema.get("type", "any")
    if kind == "array":
        return f"array of {_type(schema.get('items', {}))}"
    if kind == "object" and "additionalProperties" in schema:
        return "object"
    text = str(schema.get("format", kind))
    limits = _limits(schema)
    return f"{text} ({limits})" if limits else text


def _limits(schema: Schema) -> str:
    parts = []
    if "minLength" in schema or "maxLength" in schema:
        parts.append(f"{schema.get('minLength', 0)}-{schema.get('maxLength', '')} chars")
    if "exclusiveMinimum" in schema:
        parts.append(f"> {int(schema['exclusiveMinimum'])}")
    if "minimum" in schema:
        parts.append(f">= {int(schema['minimum'])}")
    if "maximum" in schema:
        parts.append(f"<= {int(schema['maximum'])}")
    if "pattern" in schema:
        parts.append(f"`{schema['pattern']}`")
    return ", ".join(parts)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _parameters(operation: Schema) -> list[str]:
    rows = [
        f"| {p['in']} | `{p['name']}` | {_type(p['schema'])} | "
        f"{'yes' if p.get('required') else 'no'} | {_cell(p.get('description', ''))} |"
        for p in operation.get("parameters", [])
    ]
    if not rows:
        return []
    return ["| in | name | type | required | description |", "|---|---|---|---|---|", *rows, ""]


def _body(operation: Schema) -> list[str]:
    body = operation.get("requestBody")
    if body is None:
        return []
    schema = body["content"].get("application/json", {}).get("schema", {})
    if "$ref" not in schema and "anyOf" not in schema:
        return [f"Body: {_cell(body.get('description', 'any'))}", ""]
    required = "required" if body.get("required") else "optional"
    return [f"Body ({required}): {_type(schema)}", ""]


def _responses(operation: Schema) -> list[str]:
    lines = ["| status | body | when |", "|---|---|---|"]
    for status, response in sorted(operation["responses"].items()):
        content = response.get("content", {})
        schema = content.get("application/json", {}).get("schema", {})
        # A file (a statement) is described by its media types.
        body = _type(schema) if schema else ", ".join(f"`{t}`" for t in content) or "-"
        lines.append(f"| {status} | {body} | {_cell(response.get('description', ''))} |")
    return [*lines, ""]


def _model(name: str, schema: Schema) -> list[str]:
    lines = [f"### {name}", "", _cell(schema.get("description", "")), ""]
    if "enum" in schema:
        return [*lines, f"One of {_type(schema)}.", ""]
    required = set(schema.get("required", []))
    lines += ["| field | type | required | description |", "|---|---|---|---|"]
    for field, definition in schema.get("properties", {}).items():
        lines.append(
            f"| `{field}` | {_type(definition)} | {'yes' if field in required else 'no'} | "
            f"{_cell(definition.get('description', ''))} |"
        )
    return [*lines, ""]


def render_reference(schema: Schema | None = None) -> str:
    """The reference section: every operation, then every model it names."""
    schema = schema or core_schema()
    lines = ["## Endpoint reference", ""]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            auth = "API key" if operation.get("security") else "no API key"
            lines += [
                f"### {operation['summary']}",
                "",
                f"`{method.upper()} {path}` ({auth})",
                "",
                _cell(operation.get("description", "")),
                "",
                *_parameters(operation),
                *_body(operation),
                *_responses(operation),
            ]
    lines += ["## Models", ""]
    for name, model in sorted(schema["components"]["schemas"].items()):
        if name in ("HTTPValidationError", "ValidationError"):
            continue
        lines += _model(name, model)
    return "\n".join(lines).rstrip() + "\n"


def replace_reference(page: str, reference: str) -> str:
    """``page`` with the text between the markers replaced by ``reference``."""
    head, found, rest = page.partition(BEGIN)
    _, found_end, tail = rest.partition(END)
    if not found or not found_end:
        raise ValueError(f"the page has no {BEGIN!r} ... {END!r} markers")
    return f"{head}{BEGIN}\n\n{reference}\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    """Rewrite (or with ``--check``, verify) the reference of a page."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", type=Path)
    parser.add_argument("--check", action="store_true", help="exit 1 if the page is outdated")
    args = parser.parse_args(argv)
    page = args.page.read_text()
    updated = replace_reference(page, render_reference())
    if args.check:
        if updated != page:
            print(f"{args.page} is outdated: run python -m houdini_pay.api.reference {args.page}")
            return 1
        return 0
    args.page.write_text(updated)
    return 0


if __name__ == "__main__":
    sys.exit(main())
