"""The search index's blocks and Bloom filters (``app.models.search_term``), on SQLite and PostgreSQL.

A person's threads are numbered into blocks of ``BLOCK_THREADS`` as they are made; a full block is
sealed (its filter written) when the next one starts, and a search tests only the blocks whose
filters may hold every query word. Each test here would fail if a filter missed a term: the word
would not be found.
"""

from __future__ import annotations

import threading
import uuid

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from app.models import Thread, ThreadTerms
from app.models.search_term import BLOCK_THREADS, SEARCH_BLOOMS
from app.services import messages, search_index, threads
from app.services.search_index import BlockChoice


def make_threads(session: Session, user_id: uuid.UUID, n: int) -> list[Thread]:
    """``n`` threads, each with a word of its own in its title ("topic<i>z") and a first message."""
    made = []
    for i in range(n):
        thread = threads.create_thread(session, user_id=user_id, title=f"Topic{i}z notes")
        messages.add_user_message(session, user_id=user_id, thread_id=thread.id, content=f"about item{i}x")
        made.append(thread)
    session.commit()
    return made


def found(session: Session, user_id: uuid.UUID, query: str, **kw) -> list[uuid.UUID]:
    return [t.id for t in threads.list_threads(session, user_id=user_id, search=query, limit=100, **kw)]


def test_threads_are_numbered_into_blocks_and_a_full_block_is_sealed_when_the_next_starts(
    session, user, other
):
    made = make_threads(session, user.id, 2 * BLOCK_THREADS + 1)
    make_threads(session, other.id, BLOCK_THREADS)
    assert [t.search_block for t in made] == [0] * BLOCK_THREADS + [1] * BLOCK_THREADS + [2]
    # the other person's only block is full but still open: it is sealed when their next thread comes
    assert search_index.sealed_blocks(session) == [(user.id, 0), (user.id, 1)]
    in_bloom = dict(session.execute(sa.select(ThreadTerms.thread_id, ThreadTerms.in_bloom)).all())
    assert [in_bloom[t.id] for t in made] == [True] * (2 * BLOCK_THREADS) + [False]
    parts = session.execute(
        sa.select(SEARCH_BLOOMS.c.part).where(SEARCH_BLOOMS.c.user_id == user.id, SEARCH_BLOOMS.c.block == 0)
    )
    assert sorted(parts.scalars()) == list(range(8))


def test_a_search_tests_only_the_blocks_whose_filters_may_hold_the_words(session, user):
    made = make_threads(session, user.id, 3 * BLOCK_THREADS + 3)
    # one word in each block (sealed 0, 1, 2; open 3)
    for n in (5, BLOCK_THREADS + 5, 2 * BLOCK_THREADS + 5, 3 * BLOCK_THREADS + 1):
        assert found(session, user.id, f"item{n}x") == [made[n].id]
        assert found(session, user.id, f"topic{n}z") == [made[n].id]
    choice = search_index.block_choice(session, user.id, f"item{BLOCK_THREADS + 5}x")
    assert choice == BlockChoice(blocks=[1], last_sealed=2)  # a 3 % false "maybe" would add one; not here
    # a word the person never wrote: no sealed block is tested, only the open one
    assert search_index.block_choice(session, user.id, "quokka") == BlockChoice(blocks=[], last_sealed=2)
    assert found(session, user.id, "quokka") == []
    # a word in every block: no block is ruled out, and the search is the plain newest-first scan
    assert search_index.block_choice(session, user.id, "notes") is None
    assert len(found(session, user.id, "notes")) == 3 * BLOCK_THREADS + 3
    # two words: the blocks that may hold both (item3x is now in blocks 0 and 2, topic<n>z in 2 only)
    late = made[2 * BLOCK_THREADS + 7]
    messages.add_user_message(session, user_id=user.id, thread_id=late.id, content="item3x too")
    session.commit()
    assert search_index.block_choice(session, user.id, "item3x") is None  # 2 of 3 blocks: no filter
    assert search_index.block_choice(session, user.id, f"item3x topic{2 * BLOCK_THREADS + 7}z").blocks == [2]
    assert found(session, user.id, f"item3x topic{2 * BLOCK_THREADS + 7}z") == [late.id]
    assert set(found(session, user.id, "item3x")) == {made[3].id, late.id}


def test_a_word_in_half_of_the_blocks_or_more_is_searched_without_the_filters(session, user):
    made = make_threads(session, user.id, 4 * BLOCK_THREADS + 1)
    for n in (1, BLOCK_THREADS + 1):
        messages.add_user_message(session, user_id=user.id, thread_id=made[n].id, content="wallaby")
    messages.add_user_message(session, user_id=user.id, thread_id=made[-1].id, content="wallaby")
    session.commit()
    assert search_index.block_choice(session, user.id, "wallaby") is None  # blocks 0 and 1 of 0-3
    assert set(found(session, user.id, "wallaby")) == {made[1].id, made[BLOCK_THREADS + 1].id, made[-1].id}
    messages.add_user_message(session, user_id=user.id, thread_id=made[2].id, content="dingo")
    session.commit()
    assert search_index.block_choice(session, user.id, "dingo") == BlockChoice(blocks=[0], last_sealed=3)


def test_words_a_sealed_thread_gains_later_are_added_to_its_blocks_filter(session, user):
    made = make_threads(session, user.id, BLOCK_THREADS + 1)
    old = made[3]
    assert old.search_block == 0
    assert search_index.sealed_blocks(session) == [(user.id, 0)]
    messages.add_user_message(session, user_id=user.id, thread_id=old.id, content="the platypus returns")
    threads.rename_thread(session, user_id=user.id, thread_id=made[7].id, title="Wombat budget")
    session.commit()
    assert found(session, user.id, "platypus") == [old.id]
    assert found(session, user.id, "platy") == [old.id]  # a word's start, as everywhere
    assert found(session, user.id, "wombat") == [made[7].id]
    assert found(session, user.id, "topic7z") == []  # the old title is gone (its bits may stay)
    reply = messages.open_assistant_message(session, user_id=user.id, thread_id=old.id)
    messages.finish_assistant_message(session, message_id=reply.id, content="noted: echidna")
    session.commit()
    assert found(session, user.id, "echidna") == [old.id]


def test_a_new_thread_never_goes_into_a_sealed_block(session, user):
    made = make_threads(session, user.id, BLOCK_THREADS + 1)
    threads.delete_thread(session, user_id=user.id, thread_id=made[-1].id)  # the open block is empty again
    for t in made[:5]:  # and the sealed one is no longer full
        threads.delete_thread(session, user_id=user.id, thread_id=t.id)
    session.commit()
    new = threads.create_thread(session, user_id=user.id, title="Kangaroo court")
    session.commit()
    assert new.search_block == 1
    assert found(session, user.id, "kangaroo") == [new.id]
    for t in made[5:BLOCK_THREADS]:
        threads.delete_thread(session, user_id=user.id, thread_id=t.id)
    threads.delete_thread(session, user_id=user.id, thread_id=new.id)
    session.commit()  # no threads at all, one sealed block
    assert threads.create_thread(session, user_id=user.id, title="Again").search_block == 1


def test_threads_without_a_block_are_always_tested(session, user):
    """Threads loaded in bulk (no ``create_thread``) have no block and are searched every time."""
    make_threads(session, user.id, BLOCK_THREADS + 1)
    loose = Thread(user_id=user.id, title="Imported")
    session.add(loose)
    session.flush()
    messages.add_user_message(session, user_id=user.id, thread_id=loose.id, content="a lyrebird sang")
    session.commit()
    assert loose.search_block is None
    assert search_index.block_choice(session, user.id, "lyrebird") == BlockChoice(blocks=[], last_sealed=0)
    assert found(session, user.id, "lyrebird") == [loose.id]


def test_archived_threads_in_sealed_blocks_are_found_in_the_archive(session, user):
    made = make_threads(session, user.id, BLOCK_THREADS + 2)
    threads.set_archived(session, user_id=user.id, thread_id=made[2].id)
    session.commit()
    assert found(session, user.id, "item2x") == []
    assert found(session, user.id, "item2x", archived=True) == [made[2].id]


def test_number_blocks_seals_what_the_app_would_have(session, user):
    """Migration 0009's numbering (oldest first, every block but the last sealed) gives the same
    filters and flags as making the threads one by one."""
    make_threads(session, user.id, 2 * BLOCK_THREADS + 3)

    def state() -> tuple:
        blooms = session.execute(sa.select(SEARCH_BLOOMS).order_by(*SEARCH_BLOOMS.primary_key)).all()
        flags = session.execute(
            sa.select(Thread.id, Thread.search_block, ThreadTerms.in_bloom)
            .join(ThreadTerms, ThreadTerms.thread_id == Thread.id)
            .order_by(Thread.id)
        ).all()
        return [(u, p, b, bytes(bits)) for u, p, b, bits in blooms], flags

    before = state()
    session.execute(sa.update(Thread).values(search_block=None))
    session.execute(sa.delete(SEARCH_BLOOMS))
    assert search_index.number_blocks(session) == 2
    assert state() == before


@pytest.mark.parametrize("sealer_first", [False, True], ids=["writer-first", "sealer-first"])
def test_a_message_racing_the_sealing_of_its_block_is_in_the_filter(pg_engine, sealer_first):
    """PostgreSQL, two transactions: one seals a block (its owner's next thread), the other adds a
    message to a thread of that block. Whichever locks the thread's row first, the word is found."""
    from tests.conftest import empty_tables
    from tests.utils.factories import quick_user

    empty_tables(pg_engine)
    with Session(pg_engine, expire_on_commit=False) as setup:
        owner = quick_user(setup).id
        setup.commit()
        target = make_threads(setup, owner, BLOCK_THREADS)[4]
    first, second = Session(pg_engine), Session(pg_engine)
    waiting = threading.Event()

    def seal(session: Session) -> None:
        threads.create_thread(session, user_id=owner, title="Next")

    def write(session: Session) -> None:
        messages.add_user_message(session, user_id=owner, thread_id=target.id, content="a bilby appears")
        search_index.write_pending(session)  # its index write now (not at commit): it takes the row

    try:
        (seal if sealer_first else write)(first)  # holds the row lock, uncommitted

        def other() -> None:
            (write if sealer_first else seal)(second)
            second.commit()

        worker = threading.Thread(target=other)
        worker.start()
        with pg_engine.connect() as probe:  # wait until the other transaction waits on the lock
            for _ in range(500):
                locked = probe.execute(
                    sa.text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
                ).scalar_one()
                probe.rollback()  # pg_stat_activity is read once per transaction
                if locked:
                    waiting.set()
                    break
                threading.Event().wait(0.01)
        assert waiting.is_set(), "the second transaction should wait for the first's row lock"
        first.commit()
        worker.join(timeout=30)
        assert not worker.is_alive()
    finally:
        first.close()
        second.close()
    with Session(pg_engine) as check:
        assert search_index.sealed_blocks(check) == [(owner, 0)]
        assert found(check, owner, "bilby") == [target.id]
        assert search_index.block_choice(check, owner, "bilby") is None  # block 0 may hold it
        assert search_index.block_choice(check, owner, "quokka") == BlockChoice(blocks=[], last_sealed=0)
