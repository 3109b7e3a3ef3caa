"""Writing output files so that no reader ever sees half of one.

The content goes to a hidden temporary file in the same folder, which replaces the target
only once it is complete (``os.replace`` is atomic on one file system). If writing fails,
the temporary file is removed and an earlier file at the target is left as it was.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

__all__ = ["atomic_text_file", "write_atomically"]


@contextmanager
def _temporary_beside(path: Path) -> Iterator[tuple[int, Path]]:
    descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    temporary = Path(name)
    try:
        # mkstemp makes the file private (0600); give it the mode open() would have.
        os.chmod(temporary, 0o666 & ~_umask())
        yield descriptor, temporary
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomically(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` in one step."""
    with _temporary_beside(path) as (descriptor, _), os.fdopen(descriptor, "wb") as file:
        file.write(content)


@contextmanager
def atomic_text_file(path: Path) -> Iterator[TextIO]:
    """A UTF-8 text file (``newline=""``, as CSV wants) that appears at ``path`` on success."""
    with (
        _temporary_beside(path) as (descriptor, _),
        os.fdopen(descriptor, "w", encoding="utf-8", newline="") as file,
    ):
        yield file
