"""Email: the reminder and digest messages, and sending them over SMTP (issue 17).

The server is one URL (``SMTP_URL``, passed in by the caller; this module reads no settings):
``smtp://user:pass@host:587?starttls=1`` (plain SMTP, upgraded with STARTTLS when asked),
``smtps://user:pass@host:465`` (TLS from the first byte), user and password optional and
percent-encoded. Any failure to hand a message over (refused connection, timeout, rejected
login or recipient) is one :class:`MailError`, which the scheduler retries with backoff.

Messages are plain text with an HTML alternative; every value from a person (a task title) is
escaped in the HTML and has its line breaks and control characters flattened in headers, so a
title can neither add a header nor markup. Times are shown on the recipient's wall clock with
their zone's name ("Sat 5 Dec, 17:00 (Europe/Paris)").
"""

from __future__ import annotations

import html
import re
import smtplib
import ssl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from email.charset import QP, Charset
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.utils import formatdate, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

SMTP_TIMEOUT_SECONDS = 20.0
"""Per network operation; well under the scheduler's lease, so a slow server can't cause a resend."""

_UTF8 = Charset("utf-8")
_UTF8.body_encoding = QP  # readable in any mail source view, and long links stay intact
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


class MailError(Exception):
    """A message could not be handed to the SMTP server (the text says why, without secrets).

    ``server``: the server itself failed (unreachable, timed out, refused the login), so the
    messages after this one would fail too; otherwise it refused this one message (a recipient).
    """

    def __init__(self, message: str, *, server: bool = True) -> None:
        super().__init__(message)
        self.server = server


@dataclass(frozen=True)
class SmtpConfig:
    """``SMTP_URL`` taken apart."""

    host: str
    port: int
    tls: bool
    """TLS from the start (``smtps://``)."""
    starttls: bool
    username: str | None
    password: str | None


def parse_smtp_url(url: str) -> SmtpConfig:
    """``smtp://user:pass@host:port?starttls=1`` or ``smtps://...``, or a :class:`ValueError`."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("SMTP_URL must look like smtp://user:pass@host:587?starttls=1 or smtps://host:465")
    tls = parts.scheme == "smtps"
    query = {k.lower(): v[-1].lower() for k, v in parse_qs(parts.query).items()}
    starttls = not tls and query.get("starttls", "0") in ("1", "true", "yes", "on")
    return SmtpConfig(
        host=parts.hostname,
        port=parts.port or (465 if tls else 587 if starttls else 25),
        tls=tls,
        starttls=starttls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def one_line(text: str, limit: int = 200) -> str:
    """``text`` on one line (line breaks and control characters become spaces), at most ``limit``."""
    flat = _CONTROL.sub(" ", text).strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def when_text(moment: datetime | date, zone_name: str, *, at: time | None = None) -> str:
    """ "Sat 5 Dec 2026, 17:00 (Europe/Paris)": a wall-clock date (and time) as a person reads it."""
    day = moment.date() if isinstance(moment, datetime) else moment
    clock = moment.time() if isinstance(moment, datetime) else at
    text = f"{day:%a} {day.day} {day:%b %Y}"
    if clock is not None:
        text += f", {clock:%H:%M}"
    return f"{text} ({zone_name or 'UTC'})"


@dataclass(frozen=True)
class ActionLink:
    """One button of an email: its label and signed URL."""

    label: str
    url: str


def _message(*, sender: str, to: str, subject: str, text: str, html_body: str) -> Message:
    """A text + HTML message. Built with the classic ``email.mime`` classes: the header registry of
    ``EmailMessage`` parsed every header on assignment and cost ~3 ms a message (bench/reminders.py)."""
    msg = MIMEMultipart("alternative")
    msg["From"] = sender
    msg["To"] = to
    line = one_line(subject, 150)
    msg["Subject"] = line if line.isascii() else Header(line, "utf-8").encode()
    msg["Date"] = formatdate(localtime=False)
    domain = sender.rsplit("@", 1)[-1].strip("> ") or "localhost"
    msg["Message-ID"] = make_msgid(domain=domain)
    msg["Auto-Submitted"] = "auto-generated"  # no vacation auto-replies to a reminder
    for body, subtype in ((text, "plain"), (html_body, "html")):
        part = MIMENonMultipart("text", subtype)
        part.set_payload(body, _UTF8)
        msg.attach(part)
    return msg


def _page(title: str, inner: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head>"
        '<body style="font-family: system-ui, sans-serif; color: #1c2024; line-height: 1.5">'
        f"{inner}"
        '<p style="color: #60646c; font-size: 13px">'
        "Sent by Ticked. Each link works once and expires in a week.</p></body></html>"
    )


def _buttons(links: Sequence[ActionLink]) -> str:
    style = (
        "display: inline-block; margin: 0 8px 8px 0; padding: 8px 14px; border-radius: 6px; "
        "background: #3e63dd; color: #ffffff; text-decoration: none"
    )
    return (
        "<p>"
        + "".join(
            f'<a href="{html.escape(link.url)}" style="{style}">{html.escape(link.label)}</a>'
            for link in links
        )
        + "</p>"
    )


def reminder_email(
    *, sender: str, to: str, title: str, due_text: str, links: Sequence[ActionLink]
) -> Message:
    """The reminder for one task: its title, when it is due on the person's clock (``due_text``,
    e.g. "Due Sat 5 Dec 2026, 17:00 (Europe/Paris)"), and the action links."""
    name = one_line(title)
    text = "\n".join(
        [
            f"Reminder: {name}",
            due_text,
            "",
            *(f"{link.label}: {link.url}" for link in links),
            "",
            "Sent by Ticked.",
        ]
    )
    inner = (
        f'<h1 style="font-size: 20px">{html.escape(name)}</h1><p>{html.escape(due_text)}</p>{_buttons(links)}'
    )
    return _message(
        sender=sender,
        to=to,
        subject=f"Reminder: {name}",
        text=text,
        html_body=_page(f"Reminder: {name}", inner),
    )


def reset_email(*, sender: str, to: str, url: str) -> Message:
    """A password-reset link an admin sent (issue 18): single use, valid for one hour."""
    text = "\n".join(
        [
            "An admin of your Ticked sent you a link to set a new password.",
            "",
            f"Set a new password: {url}",
            "",
            "The link works once and expires in one hour. If you did not ask for it, ignore this email.",
        ]
    )
    inner = (
        '<h1 style="font-size: 20px">Set a new password</h1>'
        "<p>An admin of your Ticked sent you a link to set a new password.</p>"
        f'<p><a href="{html.escape(url, quote=True)}">Set a new password</a></p>'
        '<p style="color: #60646c; font-size: 13px">The link works once and expires in one hour. '
        "If you did not ask for it, ignore this email.</p>"
    )
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Set a new password</title></head>'
        '<body style="font-family: system-ui, sans-serif; color: #1c2024; line-height: 1.5">'
        f"{inner}</body></html>"
    )
    return _message(sender=sender, to=to, subject="Set a new password for Ticked", text=text, html_body=page)


@dataclass(frozen=True)
class DigestLine:
    """One task in a digest."""

    title: str
    due: str
    """"today", "today 17:00" or "overdue since Thu 3 Dec"."""


def digest_email(
    *,
    sender: str,
    to: str,
    day: date,
    zone_name: str,
    today: Sequence[DigestLine],
    overdue: Sequence[DigestLine],
) -> Message:
    """The daily digest: what is due today and what is overdue, on the person's date."""
    heading = f"Your day: {when_text(day, zone_name)}"
    counts = f"{len(today)} due today, {len(overdue)} overdue"
    lines = [heading, counts, ""]
    parts = [f'<h1 style="font-size: 20px">{html.escape(heading)}</h1><p>{html.escape(counts)}</p>']
    for label, items in (("Overdue", overdue), ("Today", today)):
        if not items:
            continue
        lines += [f"{label}:", *(f"- {one_line(i.title)} ({i.due})" for i in items), ""]
        rows = "".join(
            f"<li>{html.escape(one_line(i.title))} <small>({html.escape(i.due)})</small></li>" for i in items
        )
        parts.append(f'<h2 style="font-size: 16px">{label}</h2><ul>{rows}</ul>')
    lines.append("Sent by Ticked.")
    return _message(
        sender=sender,
        to=to,
        subject=f"Ticked: {counts}",
        text="\n".join(lines),
        html_body=_page(heading, "".join(parts)),
    )


_ONE_MESSAGE = (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused)


class Mailer:
    """One SMTP connection for a batch of messages (opened on the first send, closed at the end)."""

    def __init__(self, config: SmtpConfig, *, timeout: float = SMTP_TIMEOUT_SECONDS) -> None:
        self.config = config
        self.timeout = timeout
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        cfg = self.config
        smtp: smtplib.SMTP
        if cfg.tls:
            smtp = smtplib.SMTP_SSL(
                cfg.host, cfg.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(cfg.host, cfg.port, timeout=self.timeout)
            if cfg.starttls:
                smtp.starttls(context=ssl.create_default_context())
        if cfg.username:
            smtp.login(cfg.username, cfg.password or "")
        return smtp

    def send(self, message: Message) -> None:
        """Hand ``message`` over (once more on a fresh connection if the kept one dropped) or raise."""
        for attempt in (0, 1):
            fresh = self._smtp is None
            try:
                if self._smtp is None:
                    self._smtp = self._connect()
                self._smtp.send_message(message)
                return
            except (smtplib.SMTPServerDisconnected, ConnectionResetError, BrokenPipeError) as exc:
                self.close()
                if fresh or attempt:
                    raise MailError(_reason(exc)) from exc
            except _ONE_MESSAGE as exc:  # the connection is still good for the next message
                raise MailError(_reason(exc), server=False) from exc
            except (smtplib.SMTPException, OSError, ValueError) as exc:
                self.close()
                raise MailError(_reason(exc)) from exc

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


def _reason(exc: BaseException) -> str:
    """What went wrong, for the reminder's ``error`` column (no password: smtplib never quotes it)."""
    if isinstance(exc, smtplib.SMTPResponseException):
        detail = (
            exc.smtp_error.decode("utf-8", "replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        return one_line(f"SMTP {exc.smtp_code}: {detail}", 400)
    return one_line(f"{exc.__class__.__name__}: {exc}", 400)


@contextmanager
def mailer(smtp_url: str) -> Iterator[Mailer]:
    """A :class:`Mailer` for ``smtp_url``, closed afterwards; a malformed URL is a :class:`MailError`."""
    try:
        config = parse_smtp_url(smtp_url)
    except ValueError as exc:
        raise MailError(str(exc)) from exc
    box = Mailer(config)
    try:
        yield box
    finally:
        box.close()
