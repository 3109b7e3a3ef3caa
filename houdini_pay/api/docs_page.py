"""``/docs``: Swagger UI on the API's schema, every file served by this server.

FastAPI's default page loads Swagger UI from a CDN, so it stays blank on a machine without
internet access (and lets a third party run script on the API's origin). This page serves
Swagger UI 5.35.0, vendored in ``docs_assets/swagger-ui`` (Apache-2.0; its licence and
notice are served beside it at ``/docs/assets/LICENSE`` and ``/docs/assets/NOTICE``), and
starts it from a script of its own, so its Content-Security-Policy allows no inline script
and nothing from elsewhere.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI, Response
from fastapi.responses import FileResponse, HTMLResponse

from houdini_pay.errors import NotFound

__all__ = ["ASSETS_PREFIX", "DOCS_PATH", "install_docs_page"]

DOCS_PATH = "/docs"
ASSETS_PREFIX = "/docs/assets"
_OWN = Path(__file__).parent / "docs_assets"
_VENDORED = _OWN / "swagger-ui"
_TEXT = "text/plain; charset=utf-8"
_ASSETS: dict[str, tuple[Path, str]] = {
    "swagger-ui-bundle.js": (_VENDORED, "text/javascript"),
    "swagger-ui-bundle.js.LICENSE.txt": (_VENDORED, _TEXT),
    "swagger-ui.css": (_VENDORED, "text/css"),
    "favicon-32x32.png": (_VENDORED, "image/png"),
    "LICENSE": (_VENDORED, _TEXT),
    "NOTICE": (_VENDORED, _TEXT),
    "start.js": (_OWN, "text/javascript"),
}
_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "connect-src 'self'",
        "img-src 'self' data:",
        # Swagger UI sets style attributes as it renders.
        "style-src 'self' 'unsafe-inline'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)
_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} - API reference</title>
<link rel="icon" type="image/png" href="{assets}/favicon-32x32.png">
<link rel="stylesheet" href="{assets}/swagger-ui.css">
</head>
<body>
<main id="swagger-ui" data-schema="{schema}"></main>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script src="{assets}/start.js"></script>
</body>
</html>
"""


def _secured(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = _POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def install_docs_page(api: FastAPI, *, title: str, openapi_url: str) -> None:
    """Serve the page at ``/docs`` and its files under ``/docs/assets`` on ``api``.

    ``api`` must be built with ``docs_url=None`` (FastAPI's own page loads a CDN).
    """
    router = APIRouter(include_in_schema=False)
    page = _PAGE.format(title=title, assets=ASSETS_PREFIX, schema=openapi_url)

    @router.get(DOCS_PATH)
    async def docs() -> Response:
        return _secured(HTMLResponse(page))

    @router.get(ASSETS_PREFIX + "/{name}")
    async def asset(name: str) -> Response:
        found = _ASSETS.get(name)
        if found is None:
            # Answered as any unknown address is.
            raise NotFound(f"no route {DOCS_PATH}/assets/{name}", code="route_not_found")
        folder, media_type = found
        # The files change only with the installed package: browsers may keep them a day.
        headers = {"Cache-Control": "public, max-age=86400"}
        return _secured(FileResponse(folder / name, media_type=media_type, headers=headers))

    api.include_router(router)
