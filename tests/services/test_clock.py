"""Each person's "today" is the date in their own time zone (issue 17's first step), on SQLite and
PostgreSQL; the server runs in UTC, the people in Honolulu (UTC-10) and Kiritimati (UTC+14)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from app.models import Task, User
from app.orchestration.runner import run_turn
from app.services import auth, clock
from app.services.errors import InvalidInputError
from tests.utils.sql_log import statements_run

HONOLULU, KIRITIMATI = "Pacific/Honolulu", "Pacific/Kiritimati"


@pytest.mark.parametrize(
    ("utc", "zone", "today"),
    [
        ("2026-12-05T09:30", HONOLULU, "2026-12-04"),  # 23:30 the evening before
        ("2026-12-05T10:30", HONOLULU, "2026-12-05"),  # 00:30
        ("2026-12-05T09:30", KIRITIMATI, "2026-12-05"),  # 23:30
        ("2026-12-05T10:30", KIRITIMATI, "2026-12-06"),  # 00:30 the next day
        ("2026-12-05T10:30", "UTC", "2026-12-05"),
        ("2026-12-05T10:30", None, "2026-12-05"),  # no zone: UTC
    ],
)
def test_today_is_the_date_in_the_persons_zone_around_their_midnight(utc, zone, today):
    now = datetime.fromisoformat(utc).replace(tzinfo=UTC)
    assert clock.today_in(zone, now) == date.fromisoformat(today)


def test_a_zone_is_checked_with_a_clear_message():
    assert clock.check_zone(" Europe/Paris ") == "Europe/Paris"
    assert clock.check_zone("utc") == "UTC"
    assert clock.check_zone("") == "UTC"
    for bad in ("Mars/Olympus", "CET+1", "../etc/passwd", "x" * 500):
        with pytest.raises(InvalidInputError, match="Unknown time zone"):
            clock.check_zone(bad)


def test_sign_up_takes_a_zone_and_user_today_reads_it(session: Session):
    user = auth.register(session, email="tz@example.com", password="password123", time_zone=KIRITIMATI)
    assert user.time_zone == KIRITIMATI
    at = datetime(2026, 12, 5, 10, 30, tzinfo=UTC)
    assert clock.user_today(session, user_id=user.id, now=at) == date(2026, 12, 6)
    plain = auth.register(session, email="utc@example.com", password="password123")
    assert clock.user_today(session, user_id=plain.id, now=at) == date(2026, 12, 5)
    with pytest.raises(InvalidInputError):
        auth.register(session, email="bad@example.com", password="password123", time_zone="Nowhere/Town")


def test_the_assistants_tomorrow_is_the_persons_tomorrow(app_db):
    """Whatever the hour, one of the two zones is on another date than UTC: "tomorrow" follows it."""
    now = datetime.now(UTC)
    zone = KIRITIMATI if now.hour >= 10 else HONOLULU
    with Session(app_db, expire_on_commit=False) as session:
        user = User(email="far@example.com", hashed_password="-", time_zone=zone)
        session.add(user)
        session.commit()
    run_turn(user_id=user.id, text="add call mom tomorrow")
    with Session(app_db) as session:
        (task,) = session.exec(select(Task).where(Task.user_id == user.id)).all()
    theirs = clock.today_in(zone) + timedelta(days=1)
    assert theirs != now.date() + timedelta(days=1)
    assert task.due_date == theirs


def test_cli_user_create_takes_tz_and_refuses_an_unknown_one(app_db, capsys):
    from tests.utils.cli import run_cli

    code, out, _ = run_cli(
        ["user", "create", "--email", "hi@example.com", "--password", "password123", "--tz", HONOLULU], capsys
    )
    assert code == 0
    assert '"time_zone": "Pacific/Honolulu"' in out
    code, out, err = run_cli(
        ["user", "create", "--email", "no@example.com", "--password", "password123", "--tz", "Moon/Base"],
        capsys,
    )
    assert (code, out) == (1, "")
    assert "Unknown time zone 'Moon/Base'" in err
    with Session(app_db) as session:
        assert session.exec(select(User).where(User.email == "no@example.com")).first() is None


def test_a_zone_is_read_once_per_transaction_and_again_after_it_ends(engine):
    """``user_zone`` keeps what it read for the rest of the transaction only: a change another
    session commits is seen once this session's transaction has ended (commit or rollback)."""
    with Session(engine, expire_on_commit=False) as setup:
        user = User(email="tz@example.com", hashed_password="-", time_zone=HONOLULU)
        setup.add(user)
        setup.commit()
        uid = user.id

    def move_to(zone: str) -> None:
        with Session(engine) as other:
            row = other.get(User, uid)
            row.time_zone = zone
            other.add(row)
            other.commit()

    with Session(engine) as reader:
        assert clock.user_zone(reader, uid) == HONOLULU
        statements: list[str] = []
        listen = lambda *args: statements.append(args[2])  # noqa: E731 - a before_cursor_execute hook
        sa.event.listen(engine, "before_cursor_execute", listen)
        try:
            assert clock.user_zone(reader, uid) == HONOLULU
        finally:
            sa.event.remove(engine, "before_cursor_execute", listen)
        assert statements == []  # the second ask in one transaction reads nothing
        reader.commit()
        move_to(KIRITIMATI)
        assert clock.user_zone(reader, uid) == KIRITIMATI
        reader.rollback()
        move_to("UTC")
        assert clock.user_zone(reader, uid) == "UTC"
        # the session's own row wins over what was read: a zone changed in this transaction
        mine = reader.get(User, uid)
        mine.time_zone = HONOLULU
        assert clock.user_zone(reader, uid) == HONOLULU


def test_a_zone_the_sign_in_check_read_is_not_read_again(engine):
    """``zone_checked``: a page event's token check has just read the person's row, so the work after
    it takes the zone from there (no statement); another person's zone is still read, and a zone the
    work's own transaction changes is still the one returned."""
    with Session(engine, expire_on_commit=False) as setup:
        me = User(email="me-tz@example.com", hashed_password="-", time_zone=HONOLULU)
        other = User(email="other-tz@example.com", hashed_password="-", time_zone=KIRITIMATI)
        setup.add_all([me, other])
        setup.commit()
        mine, theirs = me.id, other.id

    with clock.zone_checked(mine, HONOLULU), Session(engine) as session:
        with statements_run(engine) as ran:
            assert clock.user_zone(session, mine) == HONOLULU
            assert clock.user_today(session, user_id=mine) == clock.today_in(HONOLULU)
        assert ran == []
        with statements_run(engine) as ran:
            assert clock.user_zone(session, theirs) == KIRITIMATI
        assert len(ran) == 1
        row = session.get(User, mine)
        row.time_zone = "UTC"
        assert clock.user_zone(session, mine) == "UTC"
    with Session(engine) as session, statements_run(engine) as ran:  # outside the block: read again
        assert clock.user_zone(session, mine) == HONOLULU
    assert len(ran) == 1
