"""houdini-pay donation payment types: one-time, recurring and campaign gifts."""

from houdini_pay_donation.campaign_gift import CampaignGiftPaymentType
from houdini_pay_donation.campaigns import create_campaign, create_gift_option, get_campaign
from houdini_pay_donation.donation import DonationPaymentType, parse_gift_fields
from houdini_pay_donation.models import (
    Campaign,
    CampaignGift,
    CampaignGiftOption,
    Donation,
    RecurringCharge,
    RecurringDonation,
)
from houdini_pay_donation.recurring import RecurringDonationPaymentType
from houdini_pay_donation.recurring_job import RunReport, run_due
from houdini_pay_donation.recurring_settings import RecurringSettings
from houdini_pay_donation.verify import VerifyReport, verify_month

__all__ = [
    "Campaign",
    "CampaignGift",
    "CampaignGiftOption",
    "CampaignGiftPaymentType",
    "Donation",
    "DonationPaymentType",
    "RecurringCharge",
    "RecurringDonation",
    "RecurringDonationPaymentType",
    "RecurringSettings",
    "RunReport",
    "VerifyReport",
    "create_campaign",
    "create_gift_option",
    "get_campaign",
    "parse_gift_fields",
    "run_due",
    "verify_month",
]
