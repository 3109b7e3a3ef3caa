"""Plugins' dashboard pages (``register_admin_pages``): rendering, roles, CSRF, audit, and
the donation plugin's recurring gifts page."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pytest
from fastapi.testclient import TestClient
from houdini_pay_donation.recurring_admin import get_schedule, list_schedules

from houdini_pay import (
    AdminButton,
    AdminField,
    AdminForm,
    AdminPage,
    AdminRedirect,
    AdminRow,
    AdminTable,
    AdminView,
    HoudiniPay,
    NonprofitRecord,
    hookimpl,
)
from houdini_pay.api import create_api
from houdini_pay.errors import PluginError
from houdini_pay.testing import TestPlugin
from tests.admin.conftest import Staff, add_staff, gift


class NotesPage(AdminPage):
    """A page keeping one note per nonprofit, in memory."""

    symbol = "notes"
    title = "Notes"

    def __init__(self) -> None:
        self.notes: dict[str, str] = {}

    def view(self, nonprofit: NonprofitRecord) -> AdminView:
        note = self.notes.get(nonprofit.id, "")
        return AdminView(
            summary="<b>not bold</b>",
            facts=[("Note", note or "none")],
            tables=[
                AdminTable(
                    "Notes",
                    ["Note"],
                    [AdminRow([note], [AdminButton("clear", "Clear", {"id": "n1"}, danger=True)])],
                )
            ],
            forms=[AdminForm("save", "Write a note", [AdminField("note", "Note", note)])],
        )

    def act(self, nonprofit: NonprofitRecord, action: str, values: Mapping[str, str]) -> str:
        if action == "clear":
            self.notes.pop(nonprofit.id, None)
            return "Cleared."
        self.notes[nonprofit.id] = values.get("note", "")
        return "Saved."


class NotesPlugin:
    def __init__(self, page: AdminPage) -> None:
        self.page = page

    @hookimpl
    def register_admin_pages(self, app: HoudiniPay) -> list[AdminPage]:
        return [self.page]


def test_a_plugin_page_is_shown_and_acts(
    app: HoudiniPay, nonprofit: NonprofitRecord, other: NonprofitRecord
) -> None:
    page = NotesPage()
    app.register_plugin(NotesPlugin(page), "notes")
    client = TestClient(create_api(app))
    staff = Staff(client, nonprofit, add_staff(app, nonprofit, "staff"))
    staff.sign_in()
    shown = staff.get("/plugins/notes")
    assert shown.status_code == 200
    assert "&lt;b&gt;not bold&lt;/b&gt;" in shown.text
    assert 'href="/admin/plugins/notes"' in shown.text
    saved = staff.post("/plugins/notes/act", "/plugins/notes", action="save", note="Call Ada")
    assert saved.status_code == 200
    assert "Saved." in saved.text
    assert page.notes == {nonprofit.id: "Call Ada"}
    assert "notes.save" in staff.get("/audit").text
    assert (
        staff.client.post("/admin/plugins/notes/act", data={"action": "clear"}).status_code == 403
    )
    assert page.notes == {nonprofit.id: "Call Ada"}

    viewer = Staff(TestClient(client.app), nonprofit, add_staff(app, nonprofit, "viewer"))
    viewer.sign_in()
    seen = viewer.get("/plugins/notes").text
    assert "Call Ada" in seen
    assert "Write a note" not in seen
    assert "Clear" not in seen
    refused = viewer.post("/plugins/notes/act", "/plugins/notes", action="clear")
    assert refused.status_code == 403
    assert page.notes == {nonprofit.id: "Call Ada"}
    assert staff.get("/plugins/nothing").status_code == 404


def test_a_plugin_page_with_a_bad_symbol_stops_the_server(app: HoudiniPay) -> None:
    page = NotesPage()
    page.symbol = "Not a URL"
    app.register_plugin(NotesPlugin(page), "notes")
    with pytest.raises(PluginError, match="Not a URL"):
        create_api(app)


def test_recurring_gifts_pause_resume_cancel(
    app: HoudiniPay,
    nonprofit: NonprofitRecord,
    other: NonprofitRecord,
    as_role: Callable[[str], Staff],
) -> None:
    gift(app, nonprofit, payment_type="recurring_donation", type_object={"interval": "month"})
    gift(app, other, payment_type="recurring_donation", type_object={"interval": "month"})
    (mine,) = list_schedules(app, nonprofit.id)
    (theirs,) = list_schedules(app, other.id)
    staff = as_role("staff")
    page = staff.get("/plugins/recurring").text
    assert mine.id in page
    assert theirs.id not in page
    assert "$25.00" in page
    for action, status in (("pause", "paused"), ("resume", "active"), ("cancel", "cancelled")):
        answer = staff.post(
            "/plugins/recurring/act", "/plugins/recurring", action=action, id=mine.id
        )
        assert answer.status_code == 200, answer.text
        assert get_schedule(app, mine.id, nonprofit_id=nonprofit.id).status == status
    again = staff.post("/plugins/recurring/act", "/plugins/recurring", action="pause", id=mine.id)
    assert again.status_code == 409
    foreign = staff.post(
        "/plugins/recurring/act", "/plugins/recurring", action="cancel", id=theirs.id
    )
    assert foreign.status_code == 404
    assert get_schedule(app, theirs.id, nonprofit_id=other.id).status == "active"


def test_plugins_are_registered_per_app(
    houdini_make_app: Callable[..., HoudiniPay], plugin: TestPlugin
) -> None:
    plain = houdini_make_app(plugin)
    nonprofit = plain.create_nonprofit("Plain", "USD", country="US")
    staff = Staff(TestClient(create_api(plain)), nonprofit, add_staff(plain, nonprofit, "owner"))
    staff.sign_in()
    assert "/admin/plugins/" not in staff.get("/").text


class HostedPage(AdminPage):
    """A page sending owners to a processor's hosted page, and back to itself."""

    symbol = "hosted"
    title = "Hosted"
    action_role = "owner"
    redirect_origins = ("https://hosted.example",)

    def __init__(self, target: str = "https://hosted.example/setup") -> None:
        self.target = target
        self.page_urls: list[str] = []

    def view(self, nonprofit: NonprofitRecord) -> AdminView:
        return AdminView(forms=[AdminForm("go", "Set up", [], submit="Go to the hosted page")])

    def act(
        self,
        nonprofit: NonprofitRecord,
        action: str,
        values: Mapping[str, str],
        page_url: str = "",
    ) -> AdminRedirect:
        self.page_urls.append(page_url)
        return AdminRedirect(f"{self.target}?back={page_url}", "sent to the hosted page")


def test_an_action_may_send_the_member_to_a_hosted_page(
    app: HoudiniPay, nonprofit: NonprofitRecord
) -> None:
    page = HostedPage()
    app.register_plugin(NotesPlugin(page), "hosted")
    client = TestClient(create_api(app))
    owner = Staff(client, nonprofit, add_staff(app, nonprofit, "owner"))
    owner.sign_in()
    shown = owner.get("/plugins/hosted")
    policy = shown.headers["content-security-policy"]
    assert "form-action 'self' https://hosted.example;" in policy
    sent = owner.post("/plugins/hosted/act", "/plugins/hosted", action="go")
    assert sent.status_code == 303
    back = "http://testserver/admin/plugins/hosted"
    assert sent.headers["location"] == f"https://hosted.example/setup?back={back}"
    assert page.page_urls == [back]
    assert "sent to the hosted page" in owner.get("/audit").text

    staff = Staff(TestClient(client.app), nonprofit, add_staff(app, nonprofit, "staff"))
    staff.sign_in()
    assert "Go to the hosted page" not in staff.get("/plugins/hosted").text
    assert staff.post("/plugins/hosted/act", "/plugins/hosted", action="go").status_code == 403
    assert page.page_urls == [back]


def test_a_redirect_outside_the_pages_origins_is_refused(
    app: HoudiniPay, nonprofit: NonprofitRecord
) -> None:
    app.register_plugin(NotesPlugin(HostedPage("https://elsewhere.example/x")), "hosted")
    owner = Staff(TestClient(create_api(app)), nonprofit, add_staff(app, nonprofit, "owner"))
    owner.sign_in()
    answer = owner.post("/plugins/hosted/act", "/plugins/hosted", action="go")
    assert answer.status_code == 500
    assert "location" not in answer.headers


def test_a_page_with_a_bad_redirect_origin_stops_the_server(app: HoudiniPay) -> None:
    page = HostedPage()
    page.redirect_origins = ("http://hosted.example; script-src *",)
    app.register_plugin(NotesPlugin(page), "hosted")
    with pytest.raises(PluginError, match="redirect origin"):
        create_api(app)


def test_only_owners_may_start_the_stripe_account_link(
    app: HoudiniPay, nonprofit: NonprofitRecord, as_role: Callable[[str], Staff]
) -> None:
    from houdini_pay_stripe.models import StripeAccount

    with app.unit_of_work() as uow:
        uow.session.add(StripeAccount(nonprofit_id=nonprofit.id, account_id="acct_1Owner"))
    for role in ("viewer", "staff"):
        member = as_role(role)
        assert "Continue the set-up on Stripe" not in member.get("/plugins/stripe").text
        refused = member.post("/plugins/stripe/act", "/plugins/stripe", action="onboarding_link")
        assert refused.status_code == 403
    owner = as_role("owner")
    shown = owner.get("/plugins/stripe")
    assert "Continue the set-up on Stripe" in shown.text
    assert "https://connect.stripe.com" in shown.headers["content-security-policy"]


class BrokenPage(AdminPage):
    """A page whose view raises, or answers HTML instead of an AdminView."""

    symbol = "broken"
    title = "Broken"

    def __init__(self, answer: object) -> None:
        self.answer = answer

    def view(self, nonprofit: NonprofitRecord) -> AdminView:
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer  # type: ignore[return-value]

    def act(self, nonprofit: NonprofitRecord, action: str, values: Mapping[str, str]) -> str:
        return self.answer  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        (RuntimeError("view exploded"), "raised RuntimeError in view(): view exploded"),
        ("<b>html</b>", "returned '<b>html</b>' from view(); expected an AdminView"),
    ],
)
def test_a_broken_plugin_page_names_its_plugin(
    app: HoudiniPay,
    nonprofit: NonprofitRecord,
    answer: object,
    said: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    app.register_plugin(NotesPlugin(BrokenPage(answer)), "brokenplugin")
    client = TestClient(create_api(app), raise_server_exceptions=False)
    staff = Staff(client, nonprofit, add_staff(app, nonprofit, "staff"))
    staff.sign_in()
    shown = staff.get("/plugins/broken")
    assert shown.status_code == 500
    assert "view exploded" not in shown.text  # the staff see the styled page, not the cause
    logged = [r.getMessage() for r in caplog.records if r.name == "houdini_pay.admin"]
    assert any("plugin 'brokenplugin': dashboard page 'broken' " + said in m for m in logged), (
        logged
    )
