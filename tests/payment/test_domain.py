from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from ecart.payment.config import PaymentSettings
from ecart.payment.domain import (
    PaymentStatus,
    RefundNotAllowed,
    UnknownPaymentMethod,
    charge,
    refund_action,
)


def _never_called() -> float:
    raise AssertionError("a test payment method must not consult the random source")


def test_test_methods_are_deterministic() -> None:
    assert charge("pm_card_success", success_rate=0.0, random=_never_called) == "success"
    assert charge("pm_card_declined", success_rate=1.0, random=_never_called) == "failed"


def test_unknown_method_is_refused() -> None:
    with pytest.raises(UnknownPaymentMethod, match="Unknown payment method"):
        charge("pm_card_visa", success_rate=1.0, random=_never_called)


@pytest.mark.parametrize(
    ("rate", "draw", "expected"),
    [
        (0.9, 0.0, PaymentStatus.SUCCESS),
        (0.9, 0.8999, PaymentStatus.SUCCESS),
        (0.9, 0.9, PaymentStatus.FAILED),
        (0.9, 0.9999, PaymentStatus.FAILED),
        (0.0, 0.0, PaymentStatus.FAILED),
        (1.0, 0.9999, PaymentStatus.SUCCESS),
        (0.25, 0.3, PaymentStatus.FAILED),
        (0.25, 0.2, PaymentStatus.SUCCESS),
    ],
)
def test_success_rate_decides_without_a_method(
    rate: float, draw: float, expected: PaymentStatus
) -> None:
    assert charge(None, success_rate=rate, random=lambda: draw) == expected


def test_refund_transitions() -> None:
    assert refund_action("success") == "refund"
    assert refund_action("refunded") == "already_refunded"
    with pytest.raises(RefundNotAllowed):
        refund_action("failed")


def test_success_rate_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ECART_DATA_DIR", str(tmp_path))
    assert PaymentSettings().success_rate == 0.9
    monkeypatch.setenv("ECART_PAYMENT_SUCCESS_RATE", "0.25")
    settings = PaymentSettings()
    assert settings.success_rate == 0.25
    assert settings.port == 8004
    monkeypatch.setenv("ECART_PAYMENT_SUCCESS_RATE", "1.5")
    with pytest.raises(ValidationError):
        PaymentSettings()
