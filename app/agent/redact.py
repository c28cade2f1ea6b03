"""Replace sensitive values by placeholders before context leaves the machine, and put them back.

The OpenAI backend sends the conversation to a server we do not run. A :class:`Redactor` swaps
emails, phone numbers, card numbers (Luhn-checked), IBANs (mod-97-checked) and secret-looking
values (API keys, JWTs, long random tokens, ``password: ...``) for placeholders such as
``[EMAIL_1]`` or ``[PHONE_1]``, and restores them in what comes back: tool-call arguments before
the tools run and the streamed reply before the person sees it (:class:`DeltaRestorer` copes with
a placeholder split across deltas). One instance serves one turn, so the same value gets the same
placeholder everywhere in the history sent.

Detection errs on the side of ordinary todo text: dates, times, prices, short numbers, ``#12345``
and version numbers are never touched; a card number must pass Luhn, an IBAN mod 97, and a phone
number needs a ``+``, a phone-like grouping or a word such as "call" in front of it.

Pure functions and regular expressions only: no database, no network, no settings.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

KINDS = ("SECRET", "EMAIL", "IBAN", "CARD", "PHONE")
"""The placeholder kinds: ``[SECRET_1]``, ``[EMAIL_1]``..."""

PLACEHOLDER_RE = re.compile(rf"\[(?:{'|'.join(KINDS)})_\d{{1,6}}\]")
_PARTIAL_PLACEHOLDER_RE = re.compile(r"\[[A-Z]{0,6}(?:_\d{0,6})?\Z")
"""A string that may still grow into a placeholder (``[``, ``[PHO``, ``[PHONE_1``)."""


@dataclass(frozen=True)
class Finding:
    """One sensitive value found in a text: ``text[start:end]`` is of ``kind``."""

    kind: str
    start: int
    end: int
    value: str


# --- secrets -----------------------------------------------------------------------------------

_KEY_PATTERNS = [
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.S),
    re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"),  # JWT
    re.compile(r"(?<![\w-])sk-(?:proj-|ant-|live-|test-)?[A-Za-z0-9_-]{16,}"),  # OpenAI, Anthropic...
    re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})"),  # GitHub
    re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),  # AWS access key id
    re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),  # Slack
    re.compile(r"\b[rsp]k_(?:live|test)_[A-Za-z0-9]{16,}"),  # Stripe
    re.compile(r"\bAIza[0-9A-Za-z_-]{35}"),  # Google API key
    re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}"),  # GitLab
    re.compile(r"\bnpm_[A-Za-z0-9]{36}\b"),  # npm
]

_SECRET_WORDS = (
    r"password|passwd|passphrase|passcode|pwd|pw|pin|secret|client[ _-]?secret|api[ _-]?key|apikey"
    r"|access[ _-]?key|secret[ _-]?key|private[ _-]?key|(?:access|auth|api|bearer|refresh)?[ _-]?token"
)
_ASSIGNED_SECRET_RE = re.compile(
    rf"""(?ix)\b(?:{_SECRET_WORDS})\s*[:=]\s*
    (?:"(?P<dq>[^"\n]+)"|'(?P<sq>[^'\n]+)'|(?P<bare>[^\s"',;]+))"""
)
_PASSWORD_IS_RE = re.compile(r"""(?i)\b(?:password|passcode|passphrase|pin)\s+is\s+(?P<bare>[^\s"',;]+)""")
_BEARER_RE = re.compile(r"(?i)\bbearer\s+(?P<bare>[A-Za-z0-9._~+/=-]{16,})")
_TOKEN_RUN_RE = re.compile(r"(?<![A-Za-z0-9_+/=-])[A-Za-z0-9_+/=-]{20,}(?![A-Za-z0-9_+/=-])")


def _entropy(value: str) -> float:
    """Shannon entropy in bits per character: random tokens score high, words and dates low."""
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def looks_random(value: str) -> bool:
    """Whether a run of token characters looks like a generated secret rather than words.

    Needs letters and digits, a long unbroken stretch between ``-``, ``_`` and ``/`` (so file names
    such as ``quarterly_report_2026_v2``, paths and UUIDs stay), frequent switches between lower
    case, upper case and digits (``InternationalBusinessMachines2026`` has four in 33 characters, a
    random token one every two or three) and a high entropy.
    """
    if not (any(c.isdigit() for c in value) and any(c.isalpha() for c in value)):
        return False
    if max(len(piece) for piece in re.split(r"[-_/]", value)) < 16:
        return False
    classes = [0 if c.islower() else 1 if c.isupper() else 2 if c.isdigit() else 3 for c in value]
    switches = sum(a != b for a, b in pairwise(classes))
    return switches / len(value) >= 0.2 and _entropy(value) >= 3.3


def _secret_value(raw: str) -> str:
    """The secret part of an assigned value: a trailing full stop or comma ends the sentence, not it."""
    return raw.rstrip(".,:") or raw


def _find_secrets(text: str) -> Iterator[Finding]:
    for pattern in _KEY_PATTERNS:
        for m in pattern.finditer(text):
            yield Finding("SECRET", m.start(), m.end(), m.group())
    for pattern in (_ASSIGNED_SECRET_RE, _PASSWORD_IS_RE, _BEARER_RE):
        for m in pattern.finditer(text):
            group = next(g for g in ("dq", "sq", "bare") if g in m.groupdict() and m.group(g) is not None)
            value = m.group(group) if group != "bare" else _secret_value(m.group(group))
            if PLACEHOLDER_RE.fullmatch(value):
                continue
            if pattern is _PASSWORD_IS_RE and not _password_like(value):
                continue
            start = m.start(group)
            yield Finding("SECRET", start, start + len(value), value)


def _find_random_tokens(text: str) -> Iterator[Finding]:
    for m in _TOKEN_RUN_RE.finditer(text):
        run = m.group()
        segments = run.split("/")
        if len(segments) > 1 and any(re.fullmatch(r"[a-z]{2,}", s) for s in segments):
            # A URL path ("com/document/d/<id>/edit"): only the random segment is the secret.
            offset = m.start()
            for segment in segments:
                if len(segment) >= 20 and looks_random(segment):
                    yield Finding("SECRET", offset, offset + len(segment), segment)
                offset += len(segment) + 1
        elif looks_random(run):
            yield Finding("SECRET", m.start(), m.end(), run)


def _password_like(value: str) -> bool:
    """After "password is", only a value with a digit or symbol counts ("password is expired" does not)."""
    return len(value) >= 4 and any(not c.isalpha() for c in value)


# --- emails ------------------------------------------------------------------------------------

_EMAIL_RE = re.compile(
    r"(?<![\w.+%-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,63})@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,24}(?![\w-])"
)


def _find_emails(text: str) -> Iterator[Finding]:
    for m in _EMAIL_RE.finditer(text):
        yield Finding("EMAIL", m.start(), m.end(), m.group())


# --- IBANs -------------------------------------------------------------------------------------

IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29,
    "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29,
    "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28,
    "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20,
    "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
    "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29,
    "RO": 24, "RS": 22, "SA": 24, "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}  # fmt: skip
"""IBAN length per country (SWIFT registry); other countries need 15 to 34 characters."""

_IBAN_RE = re.compile(r"(?i)(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?:[ -]?[A-Z0-9]){11,30}(?![A-Za-z0-9])")


def iban_ok(value: str) -> bool:
    """ISO 13616: the right length for its country and the mod-97 check gives 1."""
    iban = re.sub(r"[ -]", "", value).upper()
    expected = IBAN_LENGTHS.get(iban[:2])
    if not (15 <= len(iban) <= 34) or (expected is not None and len(iban) != expected):
        return False
    if not iban[2:4].isdigit():
        return False
    digits = "".join(str(int(c, 36)) for c in iban[4:] + iban[:4])
    return int(digits) % 97 == 1


def _find_ibans(text: str) -> Iterator[Finding]:
    for m in _IBAN_RE.finditer(text):
        candidate = m.group()
        # The run may have swallowed a following word ("DE89 ... 00 TODAY"): drop groups until it checks.
        while candidate:
            if iban_ok(candidate):
                yield Finding("IBAN", m.start(), m.start() + len(candidate), candidate)
                break
            cut = max(candidate.rfind(" "), candidate.rfind("-"))
            if cut <= 4:
                break
            candidate = candidate[:cut]


# --- card numbers ------------------------------------------------------------------------------

_CARD_RE = re.compile(
    r"(?<![\w#+.,/:-])(?:\d{13,19}|\d{4}(?:([ -])\d{4}){2,3}(?:\1\d{1,3})?|\d{4}([ -])\d{6}\2\d{4,5})"
    r"(?!\w|[.,/:-]\d)"
)


def luhn_ok(digits: str) -> bool:
    """The Luhn checksum every payment card number carries."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def _find_cards(text: str) -> Iterator[Finding]:
    for m in _CARD_RE.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if 13 <= len(digits) <= 19 and luhn_ok(digits) and len(set(digits)) > 1:
            yield Finding("CARD", m.start(), m.end(), m.group())


# --- phone numbers -----------------------------------------------------------------------------

_INTL_PHONE_RE = re.compile(r"(?<![\w+])\+\d{1,3}(?:[ .-]?\(?\d{1,5}\)?){1,6}(?![\w])")
_NANP_RE = re.compile(
    r"(?<![\w#$€£+.,/:-])(?:1[ .-])?(?:\(\d{3}\) ?|\d{3}[ .-])\d{3}[ .-]\d{4}(?!\w|[.,/:-]\d)"
)
_NATIONAL_RE = re.compile(r"(?<![\w#$€£+.,/:-])0\d{1,4}(?:[ -]\d{2,8}){1,4}(?!\w|[.,/:-]\d)")
_CALL_WORD_RE = re.compile(
    r"(?i)\b(?:call|phone|tel|telephone|mobile|cell|text|sms|whatsapp|ring|fax)\b[:.]?\s*(?:(?:me|him|her|them|at|on)\s+)?"
    r"(?P<number>\d{7,15})(?!\w|[.,/:-]\d)"
)


def _digit_count(value: str) -> int:
    return sum(c.isdigit() for c in value)


def _find_phones(text: str) -> Iterator[Finding]:
    for m in _INTL_PHONE_RE.finditer(text):
        candidate = m.group()
        while _digit_count(candidate) > 15:  # swallowed a following number: drop groups from the end
            cut = max(candidate.rfind(" "), candidate.rfind("-"), candidate.rfind("."))
            if cut <= 0:
                break
            candidate = candidate[:cut]
        if 8 <= _digit_count(candidate) <= 15:
            yield Finding("PHONE", m.start(), m.start() + len(candidate), candidate)
    for pattern in (_NANP_RE, _NATIONAL_RE):
        for m in pattern.finditer(text):
            if pattern is _NANP_RE or 9 <= _digit_count(m.group()) <= 12:
                yield Finding("PHONE", m.start(), m.end(), m.group())
    for m in _CALL_WORD_RE.finditer(text):
        yield Finding("PHONE", m.start("number"), m.end("number"), m.group("number"))


_DETECTORS: tuple[Callable[[str], Iterator[Finding]], ...] = (
    _find_secrets,
    _find_emails,
    _find_ibans,
    _find_cards,
    _find_phones,
    _find_random_tokens,  # last: a random-looking email name or IBAN is better told as what it is
)
"""In the order they claim text: where two findings overlap, the earlier detector's wins."""


def find_sensitive(text: str) -> list[Finding]:
    """Every sensitive value in ``text``, in order of position, none overlapping."""
    taken: list[Finding] = []
    for detect in _DETECTORS:
        for found in detect(text):
            if found.start == found.end or PLACEHOLDER_RE.fullmatch(found.value):
                continue
            if any(found.start < t.end and t.start < found.end for t in taken):
                continue
            if any(p.start() < found.end and found.start < p.end() for p in PLACEHOLDER_RE.finditer(text)):
                continue
            taken.append(found)
    return sorted(taken, key=lambda f: f.start)


def _normalise(kind: str, value: str) -> str:
    """The key under which two spellings of one value share a placeholder."""
    if kind == "EMAIL":
        return value.lower()
    if kind in ("PHONE", "CARD"):
        return ("+" if value.startswith("+") else "") + re.sub(r"\D", "", value)
    if kind == "IBAN":
        return re.sub(r"[ -]", "", value).upper()
    return value


class Redactor:
    """Placeholders for one conversation turn: redact what goes out, restore what comes back.

    With ``enabled=False`` (the person turned the preference off) every method returns its input,
    so callers need no second code path.
    """

    def __init__(self, *, enabled: bool = True) -> None:
        self.enabled = enabled
        self._by_key: dict[tuple[str, str], str] = {}
        self._values: dict[str, str] = {}
        self._counts: dict[str, int] = {}

    @property
    def active(self) -> bool:
        """Whether any placeholder has been handed out (else there is nothing to restore)."""
        return bool(self._values)

    @property
    def mapping(self) -> dict[str, str]:
        """Placeholder -> original value, for everything redacted so far."""
        return dict(self._values)

    def _placeholder(self, kind: str, value: str) -> str:
        key = (kind, _normalise(kind, value))
        placeholder = self._by_key.get(key)
        if placeholder is None:
            self._counts[kind] = self._counts.get(kind, 0) + 1
            placeholder = f"[{kind}_{self._counts[kind]}]"
            self._by_key[key] = placeholder
            self._values[placeholder] = value
        return placeholder

    def redact(self, text: str) -> str:
        """``text`` with every sensitive value replaced by its placeholder."""
        if not self.enabled or not text:
            return text
        out: list[str] = []
        pos = 0
        for found in find_sensitive(text):
            out.append(text[pos : found.start])
            out.append(self._placeholder(found.kind, found.value))
            pos = found.end
        out.append(text[pos:])
        return "".join(out)

    def redact_obj(self, obj: Any) -> Any:
        """A copy of a JSON-like value with every string redacted (keys stay: they are our field names)."""
        if isinstance(obj, str):
            return self.redact(obj)
        if isinstance(obj, dict):
            return {k: self.redact_obj(v) for k, v in obj.items()}
        if isinstance(obj, list | tuple):
            return [self.redact_obj(v) for v in obj]
        return obj

    def restore(self, text: str) -> str:
        """``text`` with the placeholders this redactor handed out put back (unknown ones stay)."""
        if not self._values or not text:
            return text
        return PLACEHOLDER_RE.sub(lambda m: self._values.get(m.group(), m.group()), text)

    def restore_args(self, obj: Any) -> Any:
        """A copy of parsed tool-call arguments (nested dicts/lists) with the placeholders restored."""
        if isinstance(obj, str):
            return self.restore(obj)
        if isinstance(obj, dict):
            return {k: self.restore_args(v) for k, v in obj.items()}
        if isinstance(obj, list | tuple):
            return [self.restore_args(v) for v in obj]
        return obj

    def stream(self, emit: Callable[[str], None]) -> DeltaRestorer:
        """A restorer for one streamed reply that passes restored text on to ``emit``."""
        return DeltaRestorer(self, emit)


class DeltaRestorer:
    """Restores placeholders in streamed text, holding back a tail that may be half a placeholder.

    ``"call [PHO"`` + ``"NE_1] now"`` reaches ``emit`` as ``"call "`` then ``"+1 415 555 0100 now"``;
    text that cannot become a placeholder is passed on at once. Call :meth:`flush` at the end.
    """

    def __init__(self, redactor: Redactor, emit: Callable[[str], None]) -> None:
        self._redactor = redactor
        self._emit = emit
        self._held = ""

    def feed(self, delta: str) -> None:
        text = self._held + delta
        self._held = ""
        if self._redactor.active:
            cut = text.rfind("[")
            if cut != -1 and _PARTIAL_PLACEHOLDER_RE.match(text, cut):
                text, self._held = text[:cut], text[cut:]
        if text:
            self._emit(self._redactor.restore(text))

    def flush(self) -> None:
        if self._held:
            held, self._held = self._held, ""
            self._emit(self._redactor.restore(held))
