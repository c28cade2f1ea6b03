"""Email (app/services/mail.py) against a real SMTP server on localhost (aiosmtpd): SMTP_URL
parsing, login, one refused recipient versus a dead server, and messages that a task title can't
break (no header injection, no markup)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from app.services import mail
from tests.utils.smtp import free_port, smtp_server


def test_smtp_url_forms():
    cfg = mail.parse_smtp_url("smtp://ann%40example.com:p%3Ass@mail.example.com:2525?starttls=1")
    assert (cfg.host, cfg.port, cfg.tls, cfg.starttls) == ("mail.example.com", 2525, False, True)
    assert (cfg.username, cfg.password) == ("ann@example.com", "p:ss")
    assert mail.parse_smtp_url("smtps://mail.example.com").port == 465
    assert mail.parse_smtp_url("smtp://mail.example.com?starttls=true").port == 587
    plain = mail.parse_smtp_url("smtp://localhost")
    assert (plain.port, plain.starttls, plain.username) == (25, False, None)
    for bad in ("http://mail.example.com", "mail.example.com:25", "smtp://"):
        with pytest.raises(ValueError, match="SMTP_URL must look like"):
            mail.parse_smtp_url(bad)


def test_a_title_cannot_add_headers_or_markup():
    links = [mail.ActionLink("Complete", "http://t/api/links/a?b=<c>&d")]
    message = mail.reminder_email(
        sender="Ticked <ticked@example.com>",
        to="ann@example.com",
        title="hi\r\nBcc: evil@example.com\n<script>x</script>",
        due_text="Due Sat 5 Dec 2026 (UTC)",
        links=links,
    )
    raw = message.as_string()
    assert "\nBcc:" not in raw
    assert message["Subject"] == "Reminder: hi Bcc: evil@example.com <script>x</script>"
    html_part = message.get_payload()[1].get_payload(decode=True).decode()
    assert "<script>" not in html_part
    assert "&lt;script&gt;" in html_part
    assert 'href="http://t/api/links/a?b=&lt;c&gt;&amp;d"' in html_part
    assert message["Auto-Submitted"] == "auto-generated"


def test_when_text_reads_like_a_person_would_say_it():
    assert (
        mail.when_text(datetime(2026, 12, 24, 17, 0), "Europe/Paris")
        == "Thu 24 Dec 2026, 17:00 (Europe/Paris)"
    )
    assert mail.when_text(date(2026, 12, 24), "") == "Thu 24 Dec 2026 (UTC)"


def test_sends_after_login_and_tells_a_refused_recipient_from_a_dead_server():
    seen: list[tuple[bytes, bytes]] = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        assert isinstance(auth_data, LoginPassword)
        seen.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret")

    with smtp_server(authenticator=authenticator, auth_require_tls=False) as (url, sink):
        host_port = url.removeprefix("smtp://")
        good = mail.reminder_email(
            sender="t@example.com", to="ann@example.com", title="a", due_text="d", links=[]
        )
        with mail.mailer(f"smtp://ann:s3cret@{host_port}") as box:
            box.send(good)
            sink.fail_with = "550 5.1.1 No such user"
            with pytest.raises(mail.MailError) as refused:
                box.send(good)
            assert refused.value.server is False  # that message only: the next one may go
            assert "550" in str(refused.value)
            sink.fail_with = None
            box.send(good)  # same connection still works
        assert len(sink.messages) == 2
        assert seen[0] == (b"ann", b"s3cret")
    with pytest.raises(mail.MailError) as down, mail.mailer(f"smtp://127.0.0.1:{free_port()}") as box:
        box.send(good)
    assert down.value.server is True
    assert "ConnectionRefusedError" in str(down.value)
