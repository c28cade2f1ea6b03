"""The redaction corpus: what must become a placeholder, what must survive, and restoring it all."""

from __future__ import annotations

import json

import pytest

from app.agent.redact import PLACEHOLDER_RE, Redactor, find_sensitive, iban_ok, looks_random, luhn_ok

JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
    "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
)

# (text, the kind found, the exact value that must disappear)
POSITIVES = [
    ("email ann.lee@example.com about it", "EMAIL", "ann.lee@example.com"),
    ("mail me at john+todo@mail.example.co.uk.", "EMAIL", "john+todo@mail.example.co.uk"),
    ("ANN@EXAMPLE.ORG asked", "EMAIL", "ANN@EXAMPLE.ORG"),
    ("add call +1 415 555 0100", "PHONE", "+1 415 555 0100"),
    ("call +14155550100 tomorrow", "PHONE", "+14155550100"),
    ("call (415) 555-0100", "PHONE", "(415) 555-0100"),
    ("call 415.555.0100 after lunch", "PHONE", "415.555.0100"),
    ("dial 1-800-555-0199", "PHONE", "1-800-555-0199"),
    ("ring 020 7946 0958", "PHONE", "020 7946 0958"),
    ("office +44 20 7946 0958", "PHONE", "+44 20 7946 0958"),
    ("phone: +49 30 1234567", "PHONE", "+49 30 1234567"),
    ("Claire +33 6 12 34 56 78", "PHONE", "+33 6 12 34 56 78"),
    ("text 07700 900123", "PHONE", "07700 900123"),
    ("call 4155550100", "PHONE", "4155550100"),
    ("card 4111 1111 1111 1111 exp 12/27", "CARD", "4111 1111 1111 1111"),
    ("visa 4012888888881881", "CARD", "4012888888881881"),
    ("mastercard 5555-5555-5555-4444", "CARD", "5555-5555-5555-4444"),
    ("amex 3782 822463 10005", "CARD", "3782 822463 10005"),
    ("iban DE89 3704 0044 0532 0130 00 today", "IBAN", "DE89 3704 0044 0532 0130 00"),
    ("pay GB82WEST12345698765432", "IBAN", "GB82WEST12345698765432"),
    ("NL91ABNA0417164300 for rent", "IBAN", "NL91ABNA0417164300"),
    ("IBAN FR14 2004 1010 0505 0001 3M02 606", "IBAN", "FR14 2004 1010 0505 0001 3M02 606"),
    ("key sk-proj-abcdEFGH1234ijklMNOP5678", "SECRET", "sk-proj-abcdEFGH1234ijklMNOP5678"),
    ("sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz012", "SECRET", "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz012"),
    ("token ghp_abcdefghijklmnopqrstuvwxyz0123456789", "SECRET", "ghp_abcdefghijklmnopqrstuvwxyz0123456789"),
    ("aws AKIAIOSFODNN7EXAMPLE", "SECRET", "AKIAIOSFODNN7EXAMPLE"),
    ("slack xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", "SECRET",
     "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"),
    (f"jwt {JWT} expires", "SECRET", JWT),
    ("stripe sk_live_4eC39HqLyjWDarjtT1zdp7dc", "SECRET", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
    ("password: hunter2!", "SECRET", "hunter2!"),
    ("wifi password: Sunny-Day-42", "SECRET", "Sunny-Day-42"),
    ('db password = "correct horse battery"', "SECRET", "correct horse battery"),
    ("my password is Tr0ub4dor&3", "SECRET", "Tr0ub4dor&3"),
    ("pin: 4821", "SECRET", "4821"),
    ("reset link https://x.example/reset?token=abc123def", "SECRET", "abc123def"),
    ("api_key = 'abcd1234efgh'", "SECRET", "abcd1234efgh"),
    ("Authorization: Bearer abcdef0123456789ABCDEFxyz", "SECRET", "abcdef0123456789ABCDEFxyz"),
    ("rotate 8fJ2kLq9ZxW4mN7pR3tY6vB1cD5sH0aG soon", "SECRET", "8fJ2kLq9ZxW4mN7pR3tY6vB1cD5sH0aG"),
    ("aws secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "SECRET",
     "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    ("doc https://docs.google.com/document/d/1aBcD3fGhIjKlMnOpQrStUvWxYz0123/edit", "SECRET",
     "1aBcD3fGhIjKlMnOpQrStUvWxYz0123"),
    ("-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----", "SECRET",
     "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----"),
]  # fmt: skip

NEGATIVES = [
    "buy milk",
    "pay rent on 2026-11-23",
    "between 2026-11-23 and 2026-12-01",
    "call mom tomorrow at 10:30",
    "meet at 2026-11-23 10:30",
    "Tuesday 14:00-15:30",
    "10am-11am standup",
    "renew passport before 15.03.2027",
    "dentist 12/25/2026",
    "meeting 09-12-2026",
    "pay rent $1,200",
    "pay €1.200,50 for the sofa",
    "budget 1 200 000",
    "12,000 steps",
    "pick up order #12345",
    "order #1234567890123456",
    "upgrade python to 3.11.4",
    "node v20.11.1",
    "version 10.4.17",
    "3 eggs and 2 x 500 g flour",
    "room 101, floor 3",
    "read chapter 12-14",
    "score 3-1",
    "call 911",
    "call mom at 5",
    "flight LH 441 at 07:45",
    "ZIP 94107",
    "Invoice INV-2026-00042",
    "Postcode SW1A 1AA",
    "ticket JIRA-1234",
    "SKU 1234567",
    "reference 123-456-789",
    "ISBN 978-3-16-148410-0",
    "phone charger",
    "password is expired, reset it",
    "not a card 4111 1111 1111 1112",
    "not an iban GB82 WEST 1234 5698 7654 33",
    "quarterly_report_2026_final_v2.pdf",
    "task 3fa85f64-5717-4562-b3fc-2c963f66afa6",
    "InternationalBusinessMachines2026 memo",
    "release-2026-11-23-rc1-hotfix",
    "https://github.com/org/repo/pull/12345",
    "2026-11-23T10:30:00+00:00",
    "+2 points for the team",
    "tracking 1Z999AA10123456784",
    "backup code 4829 1930",
    "add tasks: eggs, bread and butter #home",
]


@pytest.mark.parametrize(("text", "kind", "value"), POSITIVES, ids=[p[0][:40] for p in POSITIVES])
def test_redact_replaces_sensitive_value(text: str, kind: str, value: str) -> None:
    redactor = Redactor()
    out = redactor.redact(text)
    assert value not in out
    assert f"[{kind}_1]" in out
    assert redactor.mapping[f"[{kind}_1]"] == value
    assert redactor.restore(out) == text


@pytest.mark.parametrize("text", NEGATIVES)
def test_redact_leaves_ordinary_text(text: str) -> None:
    assert find_sensitive(text) == []
    assert Redactor().redact(text) == text


def test_redact_corpus_is_big_enough() -> None:
    assert len(POSITIVES) >= 30
    assert len(NEGATIVES) >= 30


def test_redact_same_value_same_placeholder_across_texts() -> None:
    redactor = Redactor()
    first = redactor.redact("call +1 415 555 0100 and mail ann@example.com")
    second = redactor.redact("did you call +14155550100? cc ANN@example.com, bob@example.com")
    assert first == "call [PHONE_1] and mail [EMAIL_1]"
    assert second == "did you call [PHONE_1]? cc [EMAIL_1], [EMAIL_2]"
    assert redactor.restore("[PHONE_1] / [EMAIL_2]") == "+1 415 555 0100 / bob@example.com"


def test_redact_numbers_placeholders_per_kind_in_order() -> None:
    out = Redactor().redact("a@example.com, b@example.com, +44 20 7946 0958, c@example.com")
    assert out == "[EMAIL_1], [EMAIL_2], [PHONE_1], [EMAIL_3]"


def test_redact_keeps_text_around_values() -> None:
    text = "add call +1 415 555 0100 tomorrow at 10:30, pay $1,200 on 2026-11-23 (order #12345)"
    assert (
        Redactor().redact(text)
        == "add call [PHONE_1] tomorrow at 10:30, pay $1,200 on 2026-11-23 (order #12345)"
    )


def test_redact_disabled_passes_everything_through() -> None:
    redactor = Redactor(enabled=False)
    text = "mail ann@example.com, card 4111 1111 1111 1111"
    assert redactor.redact(text) == text
    assert redactor.redact_obj({"t": text}) == {"t": text}
    assert redactor.restore("[EMAIL_1]") == "[EMAIL_1]"


def test_redact_leaves_existing_placeholders_alone() -> None:
    redactor = Redactor()
    once = redactor.redact("mail ann@example.com")
    assert redactor.redact(once) == once
    assert redactor.mapping == {"[EMAIL_1]": "ann@example.com"}


def test_restore_leaves_unknown_placeholders() -> None:
    redactor = Redactor()
    redactor.redact("ann@example.com")
    assert (
        redactor.restore("[EMAIL_1] and [EMAIL_7] and [PHONE_1]")
        == "ann@example.com and [EMAIL_7] and [PHONE_1]"
    )


def test_restore_args_walks_nested_json() -> None:
    redactor = Redactor()
    redactor.redact("call +1 415 555 0100 or mail ann@example.com")
    args = {
        "title": "call [PHONE_1]",
        "tags": ["x", "[EMAIL_1]"],
        "nested": {"items": [{"note": "[PHONE_1] / [EMAIL_1]"}], "n": 3, "ok": True, "none": None},
    }
    assert redactor.restore_args(args) == {
        "title": "call +1 415 555 0100",
        "tags": ["x", "ann@example.com"],
        "nested": {
            "items": [{"note": "+1 415 555 0100 / ann@example.com"}],
            "n": 3,
            "ok": True,
            "none": None,
        },
    }
    assert args["title"] == "call [PHONE_1]"  # a copy: the model's own arguments stay as sent


def test_redact_obj_keeps_json_valid() -> None:
    redactor = Redactor()
    result = {
        "tasks": [{"id": "3fa85f64-5717-4562-b3fc-2c963f66afa6", "title": 'password: "x y" ann@example.com'}]
    }
    out = json.loads(json.dumps(redactor.redact_obj(result)))
    assert out["tasks"][0]["id"] == "3fa85f64-5717-4562-b3fc-2c963f66afa6"
    assert out["tasks"][0]["title"] == 'password: "[SECRET_1]" [EMAIL_1]'


def _streamed(redactor: Redactor, deltas: list[str]) -> list[str]:
    seen: list[str] = []
    stream = redactor.stream(seen.append)
    for delta in deltas:
        stream.feed(delta)
    stream.flush()
    return seen


def test_stream_restores_placeholder_split_across_deltas() -> None:
    redactor = Redactor()
    redactor.redact("call +1 415 555 0100 or ann@example.com")
    seen = _streamed(redactor, ["I added 'call [PH", "ONE", "_1", "]' and mailed [", "EMAIL_1].", " Done"])
    assert "".join(seen) == "I added 'call +1 415 555 0100' and mailed ann@example.com. Done"
    assert not any("[" in part for part in seen)


def test_stream_passes_ordinary_brackets_without_waiting() -> None:
    redactor = Redactor()
    redactor.redact("ann@example.com")
    seen = _streamed(redactor, ["a [", "b] c [1", "] [EMAIL_1]"])
    assert seen[:2] == ["a ", "[b] c [1"]
    assert "".join(seen) == "a [b] c [1] ann@example.com"


def test_stream_without_placeholders_never_holds_back() -> None:
    seen = _streamed(Redactor(), ["a [PH", "ONE_1]"])
    assert seen == ["a [PH", "ONE_1]"]


def test_stream_flushes_a_dangling_partial() -> None:
    redactor = Redactor()
    redactor.redact("ann@example.com")
    assert "".join(_streamed(redactor, ["see [EMA"])) == "see [EMA"


def test_placeholder_pattern_matches_what_redactor_makes() -> None:
    out = Redactor().redact(
        "ann@example.com +1 415 555 0100 4111111111111111 GB82WEST12345698765432 pin: 1234"
    )
    assert len(PLACEHOLDER_RE.findall(out)) == 5


def test_checksums() -> None:
    assert luhn_ok("4111111111111111")
    assert not luhn_ok("4111111111111112")
    assert iban_ok("DE89 3704 0044 0532 0130 00")
    assert not iban_ok("DE89 3704 0044 0532 0130 01")
    assert not iban_ok("DE89 3704 0044 0532 0130")  # wrong length for Germany
    assert looks_random("8fJ2kLq9ZxW4mN7pR3tY6vB1cD5sH0aG")
    assert not looks_random("3fa85f64-5717-4562-b3fc-2c963f66afa6")
