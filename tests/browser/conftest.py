"""Fixtures of the browser tests: a real server, a real localstripe, Debian's Chromium.

Per test process (one per pytest-xdist worker): localstripe in a thread on 127.0.0.1, a
migrated SQLite database, ``houdini-pay serve`` on a loopback port with the installed
plugins (Stripe pointed at localstripe, whose webhooks it receives) and one headless
Chromium driven by Playwright. Each test gets a fresh browser context and a nonprofit of
its own, so tests share the server without seeing each other's records.

Chromium is Debian's (``/usr/bin/chromium``); Playwright never downloads a browser here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from houdini_pay_stripe.api import API_BASE_ENV, MAX_RETRIES_ENV, SECRET_KEY_ENV, WEBHOOK_SECRET_ENV
from houdini_pay_stripe.form import JS_URL_ENV, PUBLISHABLE_KEY_ENV
from houdini_pay_stripe.testing import TEST_KEY, LocalStripe
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from houdini_pay import HoudiniPay, NonprofitRecord
from tests.http.served import houdini_pay, serving

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WEBHOOK_SECRET = "whsec_browser_tests"
_LOCALSTRIPE = """
import sys
from pathlib import Path
from houdini_pay_stripe.testing import running_localstripe
with running_localstripe(Path(sys.argv[1])) as server:
    print(server.url, flush=True)
    sys.stdin.read()  # until the tests close it
"""
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"


@dataclass(frozen=True)
class Site:
    """The running server, the application on its database, and localstripe."""

    base_url: str
    app: HoudiniPay
    localstripe: LocalStripe
    log_path: Path

    def nonprofit(self, name: str, *, currency: str = "USD") -> NonprofitRecord:
        """A nonprofit of the test's own, taking cards and bank transfers."""
        return self.app.create_nonprofit(name, currency, country="US", address="1 River Road")

    def url(self, path: str) -> str:
        """An address on the server."""
        return self.base_url + path


@contextmanager
def localstripe_process(directory: Path) -> Iterator[LocalStripe]:
    """localstripe in a process of its own.

    localstripe keeps its objects in module globals, and the Stripe plugin's tests run one
    in this process already (pytest-xdist mixes the suites in one worker).
    """
    process = subprocess.Popen(
        [sys.executable, "-c", _LOCALSTRIPE, str(directory)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        if not url.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"localstripe did not start: {url!r}")
        yield LocalStripe(url=url)
    finally:
        assert process.stdin is not None
        assert process.stdout is not None
        process.stdin.close()
        process.stdout.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """``houdini-pay serve`` on SQLite with every installed plugin, Stripe on localstripe."""
    directory = tmp_path_factory.mktemp("browser-site")
    url = f"sqlite:///{directory / 'houdini_pay.db'}"
    with ExitStack() as stack:
        localstripe = stack.enter_context(localstripe_process(directory))
        environ = {
            SECRET_KEY_ENV: TEST_KEY,
            API_BASE_ENV: localstripe.url,
            WEBHOOK_SECRET_ENV: WEBHOOK_SECRET,
            MAX_RETRIES_ENV: "0",
            PUBLISHABLE_KEY_ENV: "pk_test_localstripe",
            JS_URL_ENV: f"{localstripe.url}/js.stripe.com/v3/",
            # Every test of this process donates from 127.0.0.1.
            "HOUDINI_PAY_PUBLIC_REQUESTS_PER_MINUTE": "10000",
            "HOUDINI_PAY_OFFSITE_INSTRUCTIONS": "Riverside Bank, account 12-3456-789",
            "HOUDINI_PAY_MANAGE_LINK_SECRET": "browser-tests-manage-link-secret-0123456789",
        }
        houdini_pay(url, "db", "upgrade")
        app = HoudiniPay.from_env({**os.environ, **environ}, database_url=url)
        stack.callback(app.dispose)
        log_path = directory / "serve.log"
        base_url = stack.enter_context(serving(url, log_path, environ=environ))
        localstripe.register_webhook(f"{base_url}/webhooks/stripe", WEBHOOK_SECRET)
        stack.callback(localstripe.register_webhook, "http://127.0.0.1:9/", "whsec_x", events=[])
        yield Site(base_url, app, localstripe, log_path)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    """Playwright's driver, for the whole test process."""
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    """Debian's Chromium, headless, with nothing reaching outside the machine."""
    if shutil.which(CHROMIUM) is None:
        reason = f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)"
        # Like PostgreSQL: required in CI, skipped with the reason on a bare machine.
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser profile (cookies, storage) for one test, at a laptop's size."""
    context = browser.new_context(viewport={"width": 1024, "height": 900})
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    """A tab, whose console errors fail the test."""
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.errors = errors  # type: ignore[attr-defined]
    return tab


def screenshot(page: Page, name: str) -> Path:
    """Save a screenshot of the whole page under test-artifacts/browser/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
