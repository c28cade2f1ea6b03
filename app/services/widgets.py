"""Stored widgets: one row per widget of an assistant message, owned through its thread."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from app.core.db import transaction_cache
from app.models import Thread, Widget, WidgetState
from app.models.base import utcnow
from app.services.errors import NotFoundError


def store_widgets(
    session: Session,
    *,
    message_id: uuid.UUID,
    thread_id: uuid.UUID,
    payloads: Sequence[dict[str, Any]],
    shown: bool = False,
) -> list[Widget]:
    """Attach validated payloads to a message (state ``pending`` until first shown; ``rendered``
    at once when the caller shows them in this transaction)."""
    state = WidgetState.rendered if shown else WidgetState.pending
    rows = [
        Widget(
            message_id=message_id,
            thread_id=thread_id,
            type=p["type"],
            payload=p,
            state=state.value,
            action_handler="server",
        )
        for p in payloads
    ]
    session.add_all(rows)
    session.flush()
    transaction_cache(session, _STORED).setdefault(message_id, []).extend(rows)
    return rows


_STORED = "widgets_stored"
"""The transaction cache of the widgets :func:`store_widgets` stored, by message id."""


def stored_now(session: Session, *, message_id: uuid.UUID) -> list[Widget]:
    """The widgets this transaction stored on ``message_id`` (all it has when the message was made
    in this transaction too: a caller that knows so need not read them, issue 19)."""
    return list(transaction_cache(session, _STORED).get(message_id, []))


def get_widget(session: Session, *, user_id: uuid.UUID, widget_id: str, lock: bool = False) -> Widget:
    """A widget of one of the user's threads; anyone else's is "not found", like a missing one."""
    wanted = str(widget_id)[:64]
    if "\x00" in wanted:  # no id holds one, and PostgreSQL refuses it in a query (DataError)
        raise NotFoundError("Widget not found.")
    widget = session.exec(_users_widget(lock), params={"widget_id": wanted, "user_id": user_id}).first()
    if widget is None:
        raise NotFoundError("Widget not found.")
    return widget


@cache
def _users_widget(lock: bool) -> SelectOfScalar[Widget]:
    """Widget ``:widget_id`` of a thread of ``:user_id`` (built once: on every click's path)."""
    stmt = (
        select(Widget)
        .join(Thread, col(Thread.id) == col(Widget.thread_id))
        .where(Widget.id == sa.bindparam("widget_id"), Thread.user_id == sa.bindparam("user_id"))
    )
    return stmt.with_for_update(of=Widget) if lock else stmt


def widgets_for_messages(
    session: Session, *, message_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Widget]]:
    """The widgets of these messages, in creation order, keyed by message id."""
    if not message_ids:
        return {}
    rows = session.exec(_widgets_of_messages(), params={"ids": list(message_ids)}).all()
    out: dict[uuid.UUID, list[Widget]] = {}
    for row in rows:
        out.setdefault(row.message_id, []).append(row)
    return out


@cache
def _widgets_of_messages() -> SelectOfScalar[Widget]:
    """The widgets of some messages, oldest first (built once: building the statement cost about as
    much as running it, issue 19)."""
    ids: sa.BindParameter[list[uuid.UUID]] = sa.bindparam("ids", expanding=True)
    return select(Widget).where(col(Widget.message_id).in_(ids)).order_by(col(Widget.created_at))


def mark_rendered(session: Session, *, user_id: uuid.UUID, widget_ids: Sequence[str]) -> int:
    """pending -> rendered, the first time a widget is shown (only the user's own)."""
    widget_ids = [w for w in widget_ids if "\x00" not in str(w)]  # see get_widget
    if not widget_ids:
        return 0
    owned = select(Thread.id).where(Thread.user_id == user_id)
    result: Any = session.execute(
        sa.update(Widget)
        .where(
            col(Widget.id).in_(list(widget_ids)),
            col(Widget.state) == WidgetState.pending.value,
            col(Widget.thread_id).in_(owned),
        )
        .values(state=WidgetState.rendered.value, updated_at=utcnow())
    )
    return int(result.rowcount or 0)


def replace_payload(session: Session, *, widget: Widget, payload: dict[str, Any], state: WidgetState) -> bool:
    """Optimistic update: only if nobody changed the widget since it was read; bumps ``version``."""
    values = {
        "payload": payload,
        "type": payload["type"],
        "state": state.value,
        "version": widget.version + 1,
        "updated_at": utcnow(),
    }
    params = {f"new_{k}": v for k, v in values.items()}
    result: Any = session.execute(
        _replace_statement(), {"the_id": widget.id, "read_version": widget.version, **params}
    )
    if not result.rowcount:
        return False
    for name, value in values.items():  # the session's widget reads as stored
        set_committed_value(widget, name, value)
    return True


@cache
def _replace_statement() -> sa.Update:
    """:func:`replace_payload`'s update of the table (built once: on every click's path; the
    session's row is set by the caller)."""
    c = _WIDGETS.c
    return (
        sa.update(_WIDGETS)
        .where(c.id == sa.bindparam("the_id"), c.version == sa.bindparam("read_version"))
        .values({name: sa.bindparam(f"new_{name}") for name in _REPLACED})
    )


_WIDGETS: sa.Table = Widget.__table__  # type: ignore[attr-defined]  # set by SQLAlchemy, undeclared by SQLModel
_REPLACED = ("payload", "type", "state", "version", "updated_at")
