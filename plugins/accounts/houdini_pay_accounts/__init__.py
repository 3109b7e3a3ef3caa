"""houdini-pay accounts: supporter balances on a double-entry ledger.

A processor ``balance`` pays from the balance in two phases, a payment type
``account_top_up`` credits it, and transfers move money between supporters. See
docs/accounts.md.
"""

from houdini_pay_accounts.accounts import account_view
from houdini_pay_accounts.ledger import InsufficientFunds, TransferSpec, create_transfer
from houdini_pay_accounts.payment_type import TopUpPaymentType
from houdini_pay_accounts.processor import BalanceProcessor

__all__ = [
    "BalanceProcessor",
    "InsufficientFunds",
    "TopUpPaymentType",
    "TransferSpec",
    "account_view",
    "create_transfer",
]
