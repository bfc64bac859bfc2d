"""The SMTP transport against a real SMTP server in this process (aiosmtpd): the e-mail
arrives; while the server is down it stays pending, is retried with back-off, and is sent
once the server is back."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.conftest import Shop, _start_shop, eventually, unique_email
from tests.notifications.helpers import order_data, publish_order_event, text_of, wait_for

USER, PASSWORD = "mailer", "p@ss:w/rd"


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address.startswith("nobody"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SmtpServer:
    def __init__(self, port: int) -> None:
        self.port = port
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(
            self.inbox,
            hostname="127.0.0.1",
            port=self.port,
            authenticator=_authenticate,
            auth_require_tls=False,
        )
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer(_free_port())
    yield server
    server.stop()


@pytest.fixture
async def mail_shop(tmp_path: Path, smtp_server: SmtpServer) -> AsyncIterator[Shop]:
    url = f"smtp://{USER}:p%40ss%3Aw%2Frd@127.0.0.1:{smtp_server.port}"
    overrides = {
        "notifications": {
            "smtp_url": url,
            "ECART_NOTIFICATIONS_FROM": "Shop <shop@example.com>",
            "retry_base_seconds": 0.05,
            "retry_max_seconds": 0.2,
            "poll_seconds": 0.05,
        }
    }
    async for shop in _start_shop(
        tmp_path / "shop", services=["users", "notifications"], overrides=overrides
    ):
        yield shop


async def test_an_email_is_sent_over_smtp(mail_shop: Shop, smtp_server: SmtpServer) -> None:
    smtp_server.start()
    email = unique_email()
    user_id, _ = await mail_shop.new_customer(email)
    data = order_data(user_id)
    await publish_order_event(mail_shop, "order_created", data)
    [sent] = await wait_for(mail_shop, user_id, 1)
    assert sent["attempts"] == 1
    [(mail_from, rcpt_tos, message)] = smtp_server.inbox.received
    assert (mail_from, rcpt_tos) == ("shop@example.com", [email])
    assert message["To"] == email
    assert message["Subject"] == f"Order confirmation: order #{data['order_id']}"
    assert "Total: 25.50" in text_of(message)
    settings: Any = mail_shop.platform.settings["notifications"]
    assert not (Path(settings.data_dir) / "notifications").exists()  # no .eml files


async def test_a_failed_send_stays_pending_and_is_sent_when_the_server_is_back(
    mail_shop: Shop, smtp_server: SmtpServer
) -> None:
    user_id, _ = await mail_shop.new_customer()
    await publish_order_event(mail_shop, "order_created", order_data(user_id))

    async def retried() -> bool:
        found = await wait_for(mail_shop, user_id, 1, status="pending")
        return bool(found[0]["attempts"] >= 2)

    await eventually(retried, within=5)
    [pending] = await wait_for(mail_shop, user_id, 1, status="pending")
    assert pending["last_error"]
    assert "SMTPConnect" in pending["last_error"]
    assert pending["next_attempt_at"] is not None
    assert pending["sent_at"] is None

    smtp_server.start()
    [sent] = await wait_for(mail_shop, user_id, 1)
    assert sent["id"] == pending["id"]
    assert sent["attempts"] > pending["attempts"]
    assert sent["last_error"] is None
    assert len(smtp_server.inbox.received) == 1


async def test_a_recipient_the_server_refuses_for_good_is_failed_not_retried(
    mail_shop: Shop, smtp_server: SmtpServer
) -> None:
    smtp_server.start()
    user_id, _ = await mail_shop.new_customer(f"nobody-{unique_email()}")
    await publish_order_event(mail_shop, "order_created", order_data(user_id))
    [failed] = await wait_for(mail_shop, user_id, 1, status="failed")
    assert failed["attempts"] == 1
    assert "No such user" in failed["last_error"]
    assert failed["sent_at"] is None
    assert smtp_server.inbox.received == []
