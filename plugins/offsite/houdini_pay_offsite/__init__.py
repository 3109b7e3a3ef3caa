"""houdini-pay offsite processor: cash, checks, bank transfers and local wallets."""

from houdini_pay_offsite.processor import METHODS, OffsiteProcessor, OffsiteSourceType

__all__ = ["METHODS", "OffsiteProcessor", "OffsiteSourceType"]
