"""Payment rules: the simulated provider and the refund transition (no framework imports)."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Literal

RandomSource = Callable[[], float]
"""Returns a float in [0, 1); injected so that tests can decide the provider's answer."""

SUCCESS_METHOD = "pm_card_success"
DECLINED_METHOD = "pm_card_declined"
TEST_METHODS = frozenset({SUCCESS_METHOD, DECLINED_METHOD})


class PaymentStatus(StrEnum):
    SUCCESS = "success"
    FAILED = "failed"
    REFUNDED = "refunded"


class UnknownPaymentMethod(ValueError):
    pass


class RefundNotAllowed(ValueError):
    pass


def charge(method: str | None, *, success_rate: float, random: RandomSource) -> PaymentStatus:
    """The simulated provider: test methods are deterministic; without a method the charge
    succeeds with probability `success_rate`."""
    if method == SUCCESS_METHOD:
        return PaymentStatus.SUCCESS
    if method == DECLINED_METHOD:
        return PaymentStatus.FAILED
    if method is not None:
        raise UnknownPaymentMethod("Unknown payment method")
    return PaymentStatus.SUCCESS if random() < success_rate else PaymentStatus.FAILED


RefundAction = Literal["refund", "already_refunded"]


def refund_action(status: str) -> RefundAction:
    """`success → refunded`; refunding a refunded payment is a no-op; a failed payment
    took no money, so there is nothing to refund."""
    if status == PaymentStatus.SUCCESS:
        return "refund"
    if status == PaymentStatus.REFUNDED:
        return "already_refunded"
    raise RefundNotAllowed("Only a successful payment can be refunded")
