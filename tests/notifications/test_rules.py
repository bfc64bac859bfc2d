"""Notification rules without the platform: which events make e-mails, what they say, the
back-off, and the SMTP URL."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from ecart.notifications import domain
from ecart.notifications.domain import Item, Kind, OrderFacts
from ecart.notifications.smtp import FileTransport, SmtpTarget, SmtpTransport, transport_for

ORDER = OrderFacts(
    order_id=7,
    status="paid",
    total=Decimal("1999.98"),
    items=(Item("Laptop", 2, Decimal("999.99")),),
    payment_id="pay-1",
)


@pytest.mark.parametrize(
    ("event_type", "status", "kind"),
    [
        ("order_created", "pending", Kind.ORDER_CONFIRMATION),
        ("order_paid", "paid", Kind.PAYMENT_RECEIPT),
        ("order_status_updated", "shipped", Kind.SHIPPED),
        ("order_status_updated", "paid", None),  # order_paid sends the receipt
        ("order_status_updated", "cancelled", None),  # order_cancelled sends it
        ("order_status_updated", "delivered", None),
        ("order_cancelled", "cancelled", Kind.CANCELLED),
        ("order_refunded", "refunded", Kind.REFUNDED),
        ("order_deleted", "pending", None),
    ],
)
def test_which_order_events_send_an_email(event_type: str, status: str, kind: Kind | None) -> None:
    assert domain.order_kind(event_type, status) == kind


def test_an_order_email_lists_the_items_and_total_with_two_places() -> None:
    draft = domain.order_email(Kind.PAYMENT_RECEIPT, ORDER, "Ada  Lovelace")
    assert draft.subject == "Payment receipt for order #7"
    assert draft.body.startswith("Hello Ada Lovelace,\n\nWe have received your payment of 1999.98")
    assert "  2 x Laptop at 999.99 = 1999.98\n" in draft.body
    assert "Total: 1999.98\n" in draft.body
    assert "Payment: pay-1\n" in draft.body
    assert "Status: paid\n" in draft.body


def test_a_cancellation_says_why_when_it_expired() -> None:
    expired = OrderFacts(7, "cancelled", Decimal(5), (), reason="reservation_expired")
    assert "not paid in time" in domain.order_email(Kind.CANCELLED, expired, None).body
    assert "Total: 5.00" in domain.order_email(Kind.CANCELLED, expired, None).body


def test_a_body_written_before_the_name_was_known_greets_by_name_later() -> None:
    body = domain.order_email(Kind.SHIPPED, ORDER, None).body
    assert body.startswith("Hello,\n")
    assert domain.regreet(body, "Ann").startswith("Hello Ann,\n")
    named = domain.order_email(Kind.SHIPPED, ORDER, "Bob").body
    assert domain.regreet(named, "Ann") == named


def test_the_message_is_plain_text_with_a_stable_message_id() -> None:
    message = domain.build_message(
        sender="ecart <no-reply@ecart.local>",
        recipient="ann@example.com",
        subject="Hi",
        body="Hello Ann,\n",
        event_id="e-1",
        created_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    )
    parsed = message_from_bytes(bytes(message), policy=policy.default)
    assert parsed["Message-ID"] == "<e-1@notifications.ecart>"
    assert parsed.get_content_type() == "text/plain"
    assert parsed["Date"] == "Fri, 02 Jan 2026 03:04:05 +0000"


def test_header_injection_is_refused() -> None:
    with pytest.raises(ValueError, match="linefeed"):
        domain.build_message(
            sender="a@example.com",
            recipient="ann@example.com\nBcc: everyone@example.com",
            subject="Hi",
            body="x",
            event_id="e",
            created_at=datetime.now(UTC),
        )


def test_back_off_doubles_up_to_the_maximum() -> None:
    assert [domain.backoff(n, 1.0, 10.0) for n in range(1, 7)] == [1, 2, 4, 8, 10, 10]
    assert domain.backoff(10_000, 1.0, 300.0) == 300.0


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.com", ("mail.example.com", 25, None, None, False, False)),
        ("smtp+starttls://u:p%40x@mail:2525", ("mail", 2525, "u", "p@x", False, True)),
        ("smtp+starttls://u:p@mail", ("mail", 587, "u", "p", False, True)),
        ("smtps://mail", ("mail", 465, None, None, True, False)),
    ],
)
def test_smtp_urls(url: str, expected: tuple[object, ...]) -> None:
    target = SmtpTarget.parse(url)
    got = (
        target.hostname,
        target.port,
        target.username,
        target.password,
        target.use_tls,
        target.start_tls,
    )
    assert got == expected


@pytest.mark.parametrize(
    "url", ["http://u:s3cret@mail", "smtp://u:s3cret@", "smtp://u:s3cret@mail:99999"]
)
def test_a_bad_smtp_url_is_refused_without_repeating_it(url: str) -> None:
    with pytest.raises(ValueError, match="SMTP URL") as caught:
        SmtpTarget.parse(url)
    assert "s3cret" not in str(caught.value)


def test_the_transport_follows_the_settings(tmp_path: Path) -> None:
    files = transport_for("", tmp_path, timeout=1)
    assert isinstance(files, FileTransport)
    assert files.path_of(12) == tmp_path.resolve() / "notifications" / "12.eml"
    assert isinstance(transport_for("smtp://mail", tmp_path, timeout=1), SmtpTransport)


async def test_sending_a_file_again_overwrites_it(tmp_path: Path) -> None:
    transport = FileTransport(tmp_path)
    for subject in ("first", "second"):
        message = domain.build_message(
            sender="a@example.com",
            recipient="b@example.com",
            subject=subject,
            body="x",
            event_id="e",
            created_at=datetime.now(UTC),
        )
        await transport.send(message, 3)
    assert _names(tmp_path) == ["3.eml"]
    parsed = message_from_bytes(_read(tmp_path / "3.eml"), policy=policy.default)
    assert parsed["Subject"] == "second"


def _names(directory: Path) -> list[str]:
    return [p.name for p in directory.iterdir()]


def _read(path: Path) -> bytes:
    return path.read_bytes()
