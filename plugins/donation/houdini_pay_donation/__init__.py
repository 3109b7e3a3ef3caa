"""houdini-pay donation payment types."""

from houdini_pay_donation.donation import DonationPaymentType, parse_gift_fields
from houdini_pay_donation.models import Donation

__all__ = ["Donation", "DonationPaymentType", "parse_gift_fields"]
