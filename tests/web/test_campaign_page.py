"""The campaign page, ``/campaigns/{campaign}``: goal, progress, gift options, and a gift."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from houdini_pay_donation import create_campaign, get_campaign
from houdini_pay_donation.campaigns import create_gift_option

from houdini_pay import HoudiniPay, NonprofitRecord
from tests.web.conftest import Donor, open_page

HTML = {"Accept": "text/html"}


def _drive(app: HoudiniPay, nonprofit: NonprofitRecord, end: dt.date) -> tuple[str, str, str]:
    campaign = create_campaign(app, nonprofit.id, "Spring Drive", 500_000, end_date=end)
    poster = create_gift_option(app, campaign.id, "Signed poster", 5_000, limit=1)
    mug = create_gift_option(app, campaign.id, "Mug", 2_500, limit=None)
    return campaign.id, poster.id, mug.id


def _give(donor: Donor, key: str, campaign_id: str, amount: int, **type_object: str) -> object:
    started = donor.post(
        key,
        "",
        {"page": "campaign", "page_name": campaign_id, "name": "Ada Lovelace",
         "email": "ada@example.org"},
    )  # fmt: skip
    assert started.status_code == 201, started.text
    return donor.pay_offsite(
        key,
        amount,
        payment_type="campaign_gift",
        type_object={"campaign_id": campaign_id, **type_object},
    )


def test_the_page_shows_the_goal_progress_and_gift_options_and_takes_a_gift(
    app: HoudiniPay, client: TestClient, nonprofit: NonprofitRecord
) -> None:
    campaign_id, poster, mug = _drive(app, nonprofit, dt.date(2099, 1, 31))
    page = client.get(f"/campaigns/{campaign_id}", headers=HTML)
    assert page.status_code == 200
    assert "<h1>Spring Drive</h1>" in page.text
    assert "$0.00 raised of $5,000.00" in page.text
    assert 'max="500000" value="0"' in page.text
    assert f'id="gift-option-{poster}"' in page.text
    assert "1 left" in page.text
    assert "for $25.00 or more" in page.text  # the mug, unlimited: no count
    assert "Ends on Saturday, January 31, 2099" in page.text

    donor = Donor(client, nonprofit, open_page(client, nonprofit))
    answer = _give(donor, "campaign-key-00000001", campaign_id, 6_000, gift_option_id=poster)
    assert answer.status_code == 200, answer.text
    confirmation = client.get(answer.json()["confirmation_url"], headers=HTML)
    assert "Spring Drive" in confirmation.text
    assert "Signed poster" in confirmation.text

    assert answer.json()["status"] == "pending_approval"  # a check: counted once received
    assert get_campaign(app, campaign_id).raised == 0
    (payment,) = app.list_payments(nonprofit.id).payments
    app.approve_payment(payment.id, nonprofit_id=nonprofit.id)
    after = client.get(f"/campaigns/{campaign_id}", headers=HTML).text
    assert "$60.00 raised of $5,000.00" in after
    assert "Supporters: 1" in after
    assert "All given" in after  # the only poster is given: its choice is disabled
    assert get_campaign(app, campaign_id).raised == 6_000
    refused = _give(donor, "campaign-key-00000002", campaign_id, 1_000, gift_option_id=mug)
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["code"] == "amount_below_gift_option"
    assert get_campaign(app, campaign_id).raised == 6_000


def test_an_ended_campaign_says_so_and_an_unknown_one_is_a_page_not_found(
    app: HoudiniPay, client: TestClient, nonprofit: NonprofitRecord
) -> None:
    campaign_id, _poster, _mug = _drive(app, nonprofit, dt.date(2020, 1, 31))
    page = client.get(f"/campaigns/{campaign_id}", headers=HTML)
    assert page.status_code == 200
    assert "This campaign has ended." in page.text
    assert "Ended on Friday, January 31, 2020" in page.text
    donor = Donor(client, nonprofit, open_page(client, nonprofit))
    refused = _give(donor, "campaign-key-00000003", campaign_id, 2_500)
    assert refused.json()["error"]["code"] == "campaign_ended"
    missing = client.get("/campaigns/cmp_nosuchcampaign", headers=HTML)
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")
