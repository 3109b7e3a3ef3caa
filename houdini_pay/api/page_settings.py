"""A nonprofit's donor-page settings: branding, presets, and the sites that may frame them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from houdini_pay.api.auth import App, NonprofitId
from houdini_pay.api.error_handling import error_responses
from houdini_pay.api.validation import ApiModel

__all__ = ["PageSettingsBody", "PageSettingsView", "router"]

router = APIRouter(prefix="/nonprofits", tags=["nonprofits"])

_PRESETS = "Amounts in whole units of the nonprofit's currency (50 is $50 or 50 €), each with "
_ORIGINS = "Origins allowed to frame the donor pages (https://example.org, https://*.example.org)."


class PresetBody(ApiModel):
    """A preset amount and what it does."""

    # A string is read too, so that "12.50" is refused as a preset (invalid_preset).
    amount: int | str = Field(description="Whole units of the nonprofit's currency (50 is $50).")
    label: str | None = Field(None, description="Its impact: 'feeds a family for a week'.")


class PageSettingsBody(ApiModel):
    """Every setting of the donor pages; a field left out goes back to the default."""

    logo_url: str | None = Field(None, description="An https:// address of the logo.")
    accent: str | None = Field(
        None, description="#rrggbb; white text on it must reach a 4.5:1 contrast."
    )
    headline: str | None = Field(None, description="Replaces the page's heading (120 chars).")
    story: str | None = Field(None, description="Shown under the heading (2,000 characters).")
    presets: list[PresetBody] = Field(
        default_factory=list, description=_PRESETS + "an optional label (at most 8)."
    )
    frame_ancestors: list[str] = Field(default_factory=list, description=_ORIGINS)


class PresetView(BaseModel):
    """A preset amount (whole units) and its label."""

    amount: int
    label: str


class PageSettingsView(BaseModel):
    """The donor pages' settings of one nonprofit."""

    logo_url: str | None
    accent: str | None
    headline: str | None
    story: str | None
    currency: str = Field(description="The currency of the presets (the nonprofit's).")
    presets: list[PresetView]
    frame_ancestors: list[str]


@router.get(
    "/{nonprofit_id}/page-settings",
    response_model=PageSettingsView,
    summary="Show the donor pages' settings",
    responses=error_responses(401, 404, 422),
)
def get_page_settings(nonprofit_id: NonprofitId, app: App) -> dict[str, Any]:
    """The branding, presets and framing origins of the nonprofit's donor pages."""
    from houdini_pay.web.branding import load_branding

    return load_branding(app, nonprofit_id).to_dict()


@router.put(
    "/{nonprofit_id}/page-settings",
    response_model=PageSettingsView,
    summary="Set the donor pages' settings",
    responses=error_responses(401, 404, 413, 422),
)
def put_page_settings(
    nonprofit_id: NonprofitId, body: PageSettingsBody, app: App
) -> dict[str, Any]:
    """Replace the settings; everything is checked before anything is written.

    Refusals (422): ``invalid_accent``, ``accent_contrast_too_low``, ``invalid_logo_url``,
    ``invalid_text``, ``text_too_long``, ``invalid_preset``, ``invalid_frame_ancestor``.
    """
    # Deferred, like the factory's import of the donor pages (which import this package).
    from houdini_pay.web.branding import save_branding

    return save_branding(app, nonprofit_id, body.model_dump()).to_dict()
