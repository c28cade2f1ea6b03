"""All tables, imported together so ``SQLModel.metadata`` is complete (Alembic relies on it)."""

from app.models.action import Action, ActionStatus
from app.models.agent_memory import AgentMemory
from app.models.auth_token import AuthToken
from app.models.comment import Comment
from app.models.message import Message, MessageStatus, Role
from app.models.project import Invitation, Membership, Project, ProjectRole, _insert_parents_first
from app.models.reminder import Notification, NotificationKind, Reminder, ReminderStatus
from app.models.search_term import BlockBloom, ThreadTerms
from app.models.task import Priority, Recurrence, Task, TaskCreate, TaskPublic, TaskUpdate
from app.models.task_operation import OperationStatus, OperationType, TaskOperation
from app.models.team_admin import (
    AccessToken,
    AuditEvent,
    InstanceSetting,
    RecoveryCode,
    SignupInvite,
    TokenScope,
    UserIdentity,
)
from app.models.thread import Thread, ThreadStatus
from app.models.user import User, UserCreate, UserPublic
from app.models.widget import Widget, WidgetState

_insert_parents_first()

__all__ = [
    "AccessToken",
    "Action",
    "ActionStatus",
    "AgentMemory",
    "AuditEvent",
    "AuthToken",
    "BlockBloom",
    "Comment",
    "InstanceSetting",
    "Invitation",
    "Membership",
    "Message",
    "MessageStatus",
    "Notification",
    "NotificationKind",
    "OperationStatus",
    "OperationType",
    "Priority",
    "Project",
    "ProjectRole",
    "RecoveryCode",
    "Recurrence",
    "Reminder",
    "ReminderStatus",
    "Role",
    "SignupInvite",
    "Task",
    "TaskCreate",
    "TaskOperation",
    "TaskPublic",
    "TaskUpdate",
    "Thread",
    "ThreadStatus",
    "ThreadTerms",
    "TokenScope",
    "User",
    "UserCreate",
    "UserIdentity",
    "UserPublic",
    "Widget",
    "WidgetState",
]
