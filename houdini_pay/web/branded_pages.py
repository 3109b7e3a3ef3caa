"""The donor pages as a nonprofit set them: its branding, and the sites that may frame them.

A plugin's page is served through :class:`BrandedPage`, which adds the nonprofit's
:class:`~houdini_pay.web.branding.PageBranding` to what the page loads: the page template
shows the logo, headline and story, a page's markup may read ``branding.presets`` (the
donation page shows them with their impact labels), and the accent colour comes in a small
stylesheet of this server (``/static/houdini-pay/brand/{nonprofit_id}.css``), since the pages'
Content-Security-Policy allows no inline style.

The policy is then widened for that nonprofit only: ``img-src`` gains the logo's origin and
``frame-ancestors`` becomes ``'self'`` plus the nonprofit's allowed origins (``'none'``
while it has none), on the page and on its confirmation page, which the page opens in the
same frame. ``/embed.js`` is the script a nonprofit puts on its own site to open the page in
an overlay (see docs/donor-pages.md).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from houdini_pay.app import HoudiniPay
from houdini_pay.contract._payment_forms import PageContent, PublicPage
from houdini_pay.errors import NotFound
from houdini_pay.web.branding import PageBranding, load_branding, soft_tint
from houdini_pay.web.guard import CSRF_COOKIE

__all__ = ["BRAND_CSS_PREFIX", "BrandedPage", "branded_route", "framed_by", "router"]

BRAND_CSS_PREFIX = "/static/houdini-pay/brand"
_EMBED_SCRIPT = Path(__file__).parent / "static" / "embed.js"
_CSP = "Content-Security-Policy"

Show = Callable[[Request, str], Awaitable[Response]]


def accent_css(accent: str) -> str:
    """The stylesheet that gives the page the accent colour."""
    return f":root {{ --accent: {accent}; --accent-soft: {soft_tint(accent)}; }}\n"


def template_branding(branding: PageBranding, nonprofit_id: str) -> dict[str, Any]:
    """What the page templates read as ``branding``."""
    stylesheet = None
    if branding.accent:
        version = hashlib.sha256(branding.accent.encode()).hexdigest()[:8]
        stylesheet = f"{BRAND_CSS_PREFIX}/{nonprofit_id}.css?v={version}"
    return {
        "logo_url": branding.logo_url,
        "headline": branding.headline,
        "story": branding.story_paragraphs(),
        "stylesheet": stylesheet,
        "presets": [{"amount": p.amount, "label": p.label} for p in branding.presets],
        "labels": {p.amount: p.label for p in branding.presets if p.label},
    }


class BrandedPage(PublicPage):
    """A plugin's page whose content carries its nonprofit's branding (one per request).

    Everything but :meth:`load` is the page's own; :attr:`branding` is what the last load
    found, for the response's headers.
    """

    def __init__(self, page: PublicPage, app: HoudiniPay) -> None:
        self._page = page
        self._app = app
        self.branding: PageBranding | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._page, name)

    def load(self, name: str) -> PageContent:
        """The page's content, with ``branding`` added to its context."""
        content = self._page.load(name)
        self.branding = load_branding(self._app, content.nonprofit.id)
        context = {
            **content.context,
            "branding": template_branding(self.branding, content.nonprofit.id),
        }
        return dataclasses.replace(content, context=context)

    def confirmation_lines(self, type_object: Mapping[str, Any]) -> Sequence[tuple[str, str | int]]:
        """The page's own lines."""
        return self._page.confirmation_lines(type_object)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def widen_policy(policy: str, branding: PageBranding, *, images: bool = True) -> str:
    """``policy`` with the logo's origin in ``img-src`` and the allowed frame ancestors."""
    directives: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    if images and branding.logo_url:
        sources = directives.setdefault("img-src", ["'self'"])
        if _origin(branding.logo_url) not in sources:
            sources.append(_origin(branding.logo_url))
    if branding.frame_ancestors:
        directives["frame-ancestors"] = ["'self'", *branding.frame_ancestors]
    return "; ".join(" ".join([name, *values]) for name, values in directives.items())


def _apply(response: Response, branding: PageBranding | None, *, images: bool = True) -> Response:
    if branding is not None and _CSP in response.headers and response.status_code < 400:
        response.headers[_CSP] = widen_policy(response.headers[_CSP], branding, images=images)
    return response


def _cookie_for_frames(request: Request, response: Response, branding: PageBranding) -> None:
    """Let the page's CSRF cookie reach this server from a frame on another site.

    A ``SameSite=Strict`` cookie is not sent from a page framed by another site, so a
    donation in the overlay would be refused. Over HTTPS the cookie of a page its nonprofit
    lets be framed is ``SameSite=None; Secure; Partitioned`` (kept apart per top-level
    site). It still guards: another site can neither read it nor send the header that
    must repeat it, and requests whose ``Origin`` is another site are refused.
    """
    if not branding.frame_ancestors or request.url.scheme != "https":
        return
    prefix = f"{CSRF_COOKIE}=".encode()
    headers = []
    for name, value in response.raw_headers:
        if name == b"set-cookie" and value.startswith(prefix):
            value = value.replace(b"SameSite=strict", b"SameSite=none; Partitioned")
        headers.append((name, value))
    response.raw_headers[:] = headers


def branded_route(
    app: HoudiniPay, page: PublicPage, make_show: Callable[[PublicPage], Show]
) -> Show:
    """The route of ``page`` (``make_show`` builds it), served with its nonprofit's branding."""

    async def show(request: Request, name: str) -> Response:
        branded = BrandedPage(page, app)
        response = await make_show(branded)(request, name)
        if branded.branding is not None:
            _cookie_for_frames(request, response, branded.branding)
        return _apply(response, branded.branding)

    return show


async def framed_by(app: HoudiniPay, nonprofit_id: str, response: Response) -> Response:
    """``response`` (a confirmation page) allowed in the frames its nonprofit allows."""
    if response.status_code >= 400:
        return response
    branding = await run_in_threadpool(load_branding, app, nonprofit_id)
    return _apply(response, branding, images=False)


router = APIRouter(include_in_schema=False)


@router.api_route("/embed.js", methods=["GET", "HEAD"])
async def embed_script() -> Response:
    """The script a nonprofit's own site loads to open its donor page in an overlay."""
    response = FileResponse(_EMBED_SCRIPT, media_type="text/javascript")
    # Loaded by other sites: it must be readable cross-origin, and is the same for everyone.
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@router.api_route(BRAND_CSS_PREFIX + "/{nonprofit_id}.css", methods=["GET", "HEAD"])
async def brand_stylesheet(request: Request, nonprofit_id: str) -> Response:
    """The accent colour of one nonprofit's pages (empty when it has none)."""
    app: HoudiniPay = request.app.state.houdini_pay
    try:
        branding = await run_in_threadpool(load_branding, app, nonprofit_id)
    except NotFound:
        return Response("", media_type="text/css", status_code=404)
    body = accent_css(branding.accent) if branding.accent else ""
    response = Response(body, media_type="text/css")
    # The thank-you page links it unversioned: a changed colour shows at once.
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
