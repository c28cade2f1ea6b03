"""The widget store's writes (``app.services.widgets``) on both databases."""

from __future__ import annotations

from sqlmodel import Session

from app.models import Widget, WidgetState
from app.services import messages, widgets
from tests.utils.factories import make_thread, quick_user

CARD = {"type": "Card", "children": [{"type": "Text", "value": "Water the plants"}]}
DONE = {"type": "Card", "children": [{"type": "Text", "value": "Done: water the plants"}]}


def _stored_card(session: Session) -> Widget:
    user = quick_user(session)
    thread = make_thread(session, user)
    message = messages.open_assistant_message(session, user_id=user.id, thread_id=thread.id)
    [widget] = widgets.store_widgets(session, message_id=message.id, thread_id=thread.id, payloads=[CARD])
    session.commit()
    return widget


def test_a_new_payload_is_stored_and_the_sessions_row_reads_as_stored(session: Session, engine):
    """The update bumps the version; the session's row says what is stored, with nothing left for
    the session to write, and another session reads the same."""
    widget = _stored_card(session)
    assert widgets.replace_payload(session, widget=widget, payload=DONE, state=WidgetState.updated)
    assert (widget.version, widget.payload, widget.state) == (1, DONE, WidgetState.updated.value)
    assert widget not in session.dirty
    session.commit()
    with Session(engine) as other:
        row = other.get(Widget, widget.id)
        assert (row.version, row.payload, row.state) == (1, DONE, WidgetState.updated.value)


def test_a_payload_changed_meanwhile_is_not_overwritten(session: Session, engine):
    """Optimistic: a row read at version 0, changed by someone else since, is not written over."""
    widget = _stored_card(session)
    with Session(engine) as other:
        row = other.get(Widget, widget.id)
        assert widgets.replace_payload(other, widget=row, payload=DONE, state=WidgetState.updated)
        other.commit()
    assert not widgets.replace_payload(session, widget=widget, payload=CARD, state=WidgetState.updated)
    assert widget.version == 0  # as read: the caller reads it again
    session.rollback()
    with Session(engine) as other:
        assert other.get(Widget, widget.id).payload == DONE
