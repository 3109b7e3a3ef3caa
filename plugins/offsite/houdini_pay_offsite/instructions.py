"""The bank-transfer instructions a nonprofit's staff wrote, one row per nonprofit.

Donors who pay by bank transfer or check are told where to send the money. Each nonprofit's
staff may write their own instructions on the dashboard (owners and staff; viewers only
read them); without them donors see the deployment's (``HOUDINI_PAY_OFFSITE_INSTRUCTIONS``),
or else the default naming the nonprofit and its address.

What may be stored is decided by :func:`check_instructions`, which refuses, before anything
is written, with :class:`~houdini_pay.errors.InvalidRequest` and
``details["field"] == "instructions"``:

* ``instructions_required``: nothing but spaces (use "Go back to the deployment's" instead);
* ``instructions_too_long``: more than :data:`MAX_CHARACTERS` characters or
  :data:`MAX_LINES` lines;
* ``invalid_text``: a character that is not printable text: a control character other than
  the line break and the tab, a NUL, a lone surrogate, or a direction override (which could
  make an account number read differently from what is stored).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from houdini_pay import AdminText, Base, HoudiniPay, text, utcnow
from houdini_pay.errors import InvalidRequest

__all__ = [
    "MAX_CHARACTERS",
    "MAX_LINES",
    "OffsiteInstructions",
    "StoredInstructions",
    "check_instructions",
    "clear_instructions",
    "save_instructions",
    "stored_instructions",
]

MAX_CHARACTERS = 1000
"""The longest instructions, counted after line breaks are made ``\\n``."""
MAX_LINES = 20
"""The most lines instructions may have."""
FIELD = "instructions"
# Bidirectional embeddings, overrides and isolates (Unicode's Trojan Source characters).
_DIRECTION_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class OffsiteInstructions(Base):
    """A nonprofit's own instructions for donors paying by bank transfer or check.

    A tenant table keyed by ``nonprofit_id`` alone: a nonprofit has one text.
    """

    __tablename__ = "offsite_instructions"

    nonprofit_id: Mapped[str] = mapped_column(ForeignKey("nonprofits.id"), primary_key=True)
    instructions: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


def _refuse(message: str, code: str) -> InvalidRequest:
    return InvalidRequest(message, code=code, details={"field": FIELD})


def check_instructions(value: str) -> str:
    """``value`` as it will be stored (line breaks ``\\n``, outer spaces removed).

    Raises:
        InvalidRequest: see the module docstring; nothing is written.
    """
    text.check_text(value, FIELD)
    cleaned = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not cleaned:
        raise _refuse(
            AdminText("write the instructions donors should see"), "instructions_required"
        )
    if len(cleaned) > MAX_CHARACTERS:
        raise _refuse(
            AdminText(
                "the instructions are {length} characters long; they may have at most {most}",
                length=len(cleaned),
                most=MAX_CHARACTERS,
            ),
            "instructions_too_long",
        )
    if cleaned.count("\n") >= MAX_LINES:
        raise _refuse(
            AdminText("the instructions may have at most {lines} lines", lines=MAX_LINES),
            "instructions_too_long",
        )
    for character in cleaned:
        if character in "\n\t":
            continue
        if character in _DIRECTION_CONTROLS or unicodedata.category(character) in ("Cc", "Cs"):
            raise _refuse(
                AdminText(
                    "the instructions hold a character that is not printable text "
                    "({code_point}); remove it",
                    code_point=f"U+{ord(character):04X}",
                ),
                "invalid_text",
            )
    return cleaned


@dataclass(frozen=True, slots=True)
class StoredInstructions:
    """What a nonprofit's staff wrote, and when."""

    instructions: str
    updated_at: dt.datetime


def stored_instructions(app: HoudiniPay, nonprofit_id: str) -> StoredInstructions | None:
    """The instructions the nonprofit's staff wrote, or None."""
    with app.session() as session:
        row = session.get(OffsiteInstructions, nonprofit_id)
        return StoredInstructions(row.instructions, row.updated_at) if row else None


def save_instructions(app: HoudiniPay, nonprofit_id: str, value: str) -> str:
    """Check ``value`` and store it as the nonprofit's instructions; returns what was stored.

    Raises:
        InvalidRequest: the text may not be stored (see :func:`check_instructions`).
    """
    cleaned = check_instructions(value)
    with app.unit_of_work() as uow:
        row = uow.session.get(OffsiteInstructions, nonprofit_id)
        if row is None:
            uow.session.add(OffsiteInstructions(nonprofit_id=nonprofit_id, instructions=cleaned))
        else:
            row.instructions = cleaned
            row.updated_at = utcnow()
    return cleaned


def clear_instructions(app: HoudiniPay, nonprofit_id: str) -> bool:
    """Forget the nonprofit's own instructions; True if there were any."""
    with app.unit_of_work() as uow:
        row = uow.session.get(OffsiteInstructions, nonprofit_id)
        if row is None:
            return False
        uow.session.delete(row)
    return True
