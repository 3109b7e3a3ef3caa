"""``houdini-pay plugins new``: write a new plugin distribution that passes its own tests.

The templates live in ``houdini_pay/scaffold_templates``: ``common/`` for every kind, and
one folder per kind. Each file is a :class:`string.Template` (``$name``, ``$Name``,
``$package`` ...); a folder called ``package`` becomes the plugin's Python package and a file
name starting with ``package_`` starts with the plugin's name instead.
"""

from __future__ import annotations

import keyword
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

from houdini_pay import __version__
from houdini_pay.errors import InvalidRequest

__all__ = ["KINDS", "NAME_PATTERN", "ScaffoldedPlugin", "scaffold_plugin"]

KINDS = {"processor": "processor", "payment-type": "payment_type"}
"""The kinds ``--kind`` accepts, and their template folders."""

NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]{1,19}")

_DESCRIPTIONS = {
    "processor": "houdini-pay processor plugin: {Name}.",
    "payment_type": "houdini-pay payment type plugin: {Name}, places of limited items.",
}


@dataclass(frozen=True, slots=True)
class ScaffoldedPlugin:
    """What :func:`scaffold_plugin` wrote."""

    name: str
    kind: str
    distribution: str
    package: str
    directory: Path
    files: tuple[Path, ...]

    def to_dict(self) -> dict[str, object]:
        """The result as ``plugins new --json`` prints it."""
        return {
            "name": self.name,
            "kind": self.kind,
            "distribution": self.distribution,
            "package": self.package,
            "directory": str(self.directory),
            "files": [str(path.relative_to(self.directory)) for path in self.files],
        }


def _check_name(name: str) -> None:
    if not NAME_PATTERN.fullmatch(name) or keyword.iskeyword(name) or name.endswith("_"):
        raise InvalidRequest(
            f"a plugin name is 2 to 20 lower-case letters, digits and underscores, starting "
            f"with a letter (it becomes a Python package and a symbol); {name!r} is not",
            code="invalid_plugin_name",
        )


def _values(name: str, kind: str) -> dict[str, str]:
    camel = "".join(part.capitalize() for part in name.split("_"))
    return {
        "name": name,
        "Name": camel,
        "NAME": name.upper(),
        "env_prefix": f"HOUDINI_PAY_{name.upper()}",
        "package": f"houdini_pay_{name}",
        "dist": f"houdini-pay-{name.replace('_', '-')}",
        "description": _DESCRIPTIONS[kind].format(Name=camel),
        "core_version": __version__,
    }


def _templates(
    folder: Traversable, prefix: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], str]]:
    found = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.is_dir():
            found += _templates(entry, (*prefix, entry.name))
        elif entry.name.endswith(".tmpl"):
            found.append(((*prefix, entry.name.removesuffix(".tmpl")), entry.read_text()))
    return found


def _target(parts: tuple[str, ...], values: Mapping[str, str]) -> Path:
    renamed = []
    for part in parts:
        if part == "package":
            part = values["package"]
        elif part.startswith("package_"):
            part = values["name"] + part.removeprefix("package")
        renamed.append(part)
    return Path(*renamed)


def scaffold_plugin(name: str, kind: str, directory: Path) -> ScaffoldedPlugin:
    """Write the distribution of a new ``kind`` plugin called ``name`` into ``directory``.

    Raises:
        InvalidRequest: a name that cannot be a package (``invalid_plugin_name``), an
            unknown kind (``invalid_plugin_kind``), or a directory that exists and is not
            empty (``directory_not_empty``); nothing is written then.
    """
    _check_name(name)
    if kind not in KINDS:
        raise InvalidRequest(
            f"kind must be one of {', '.join(KINDS)}, not {kind!r}", code="invalid_plugin_kind"
        )
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise InvalidRequest(
            f"{directory} already exists and is not an empty directory; choose another",
            code="directory_not_empty",
        )
    folder = KINDS[kind]
    values = _values(name, folder)
    root = resources.files("houdini_pay") / "scaffold_templates"
    rendered = [
        (_target(parts, values), string.Template(text).substitute(values))
        for source in (root / "common", root / folder)
        for parts, text in _templates(source)
    ]
    written = []
    for relative, text in rendered:
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written.append(path)
    return ScaffoldedPlugin(
        name=name,
        kind=kind,
        distribution=values["dist"],
        package=values["package"],
        directory=directory,
        files=tuple(written),
    )
