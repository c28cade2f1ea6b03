"""The local agent's team commands (issue 16), in phrasings other than the eval cases: projects,
moves, assignment, comments, activity and sharing, against the dict-backed tools (tests/agent/fakes.py).
The parser's pure parts (app/agent/offline/team.py) are tested on their own first."""

from __future__ import annotations

import pytest

from app.agent.offline import team
from app.agent.offline.agent import run_local_agent
from app.models.agent_memory import AgentMemory
from tests.agent.fakes import TODAY, FakeTools

PROJECTS = ["Inbox", "Groceries", "Home Office"]


def _people() -> team.People:
    people = team.People()
    people.add("Priya Shah", "priya@x.test")
    people.add("Tom", "tom@x.test")
    return people


# --- the parser -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "kind", "fields"),
    [
        ("start a new project named Book Club", "create_project", {"project": "Book Club"}),
        ("new project: Renovation", "create_project", {"project": "Renovation"}),
        ("make a list called Packing", "create_project", {"project": "Packing"}),
        ("file the invoice under home office", "move", {"ref": "the invoice", "project": "Home Office"}),
        ("put that into the groceries list", "move", {"ref": "that", "project": "Groceries"}),
        ("fix fence belongs in home office", "move", {"ref": "fix fence", "project": "Home Office"}),
        (
            "the printer ink goes on the groceries list",
            "move",
            {"ref": "the printer ink", "project": "Groceries"},
        ),
        ("hand the slides over to Priya", "assign", {"ref": "the slides", "who": "Priya"}),
        ("let tom take care of the car wash", "assign", {"ref": "the car wash", "who": "tom"}),
        ("assign me the budget review", "assign", {"ref": "the budget review", "who": "me"}),
        ("delegate taxes to tom@x.test", "assign", {"ref": "taxes", "who": "tom@x.test"}),
        ("take tom off the car wash", "unassign", {"ref": "the car wash", "who": "tom"}),
        ("the slides should be unassigned", "unassign", {"ref": "the slides"}),
        (
            "leave a comment on taxes saying receipts are in the box",
            "comment",
            {"ref": "taxes", "body": "receipts are in the box"},
        ),
        ("what has Priya been up to this week", "activity", {"who": "Priya", "since": "week"}),
        ("what did tom get done yesterday?", "activity", {"who": "tom", "since": "yesterday"}),
        ("what happened in groceries today", "activity", {"project": "Groceries", "since": "today"}),
        (
            "invite tom@x.test to the home office project as a viewer",
            "share",
            {"project": "Home Office", "who": "tom@x.test", "role": "viewer"},
        ),
        (
            "share Home Office with priya so she can only view it",
            "share",
            {"project": "Home Office", "who": "priya", "role": "viewer"},
        ),
        ("which projects am i in", "list_projects", {}),
        ("tom should take care of the car wash", "assign", {"ref": "the car wash", "who": "tom"}),
        ("priya needs to file the taxes", "assign", {"ref": "file the taxes", "who": "priya"}),
        ("the slides are for Priya", "assign", {"ref": "the slides", "who": "Priya"}),
        ("make priya responsible for taxes", "assign", {"ref": "taxes", "who": "priya"}),
        ("who's handling the car wash", "who", {"ref": "the car wash"}),
        ("post a note on taxes: filed on monday", "comment", {"ref": "taxes", "body": "filed on monday"}),
        (
            "give tom@x.test view access to groceries",
            "share",
            {"project": "Groceries", "who": "tom@x.test", "role": "viewer"},
        ),
        (
            "let priya help with the home office project",
            "share",
            {"project": "Home Office", "who": "priya", "role": "editor"},
        ),
        ("reply to the slides - looks great", "comment", {"ref": "the slides", "body": "looks great"}),
        ("update wiki is tom's job", "assign", {"ref": "update wiki", "who": "tom"}),
        ("the slides are Priya's responsibility", "assign", {"ref": "the slides", "who": "Priya"}),
        ("fix sink is joe's job", "assign", {"ref": "fix sink", "who": "joe"}),  # told joe is no member
        ("fix sink is my job", "assign", {"ref": "fix sink", "who": "me"}),
    ],
)
def test_team_parse_commands(text, kind, fields):
    asked = team.parse_team(text, PROJECTS, _people())
    assert asked is not None, text
    assert asked.kind == kind
    for key, value in fields.items():
        assert getattr(asked, key) == value, (text, key)


@pytest.mark.parametrize(
    "text",
    [
        "give me my tasks for today",  # a listing, not an assignment to "me"
        "move the dentist to friday",  # a date, not a project
        "what did I finish today?",  # one's own completed tasks
        "what did Bob do today?",  # nobody the person shares a project with
        "add call mom to my list",
        "put the kettle on",
        "i should buy milk",  # one's own reminder, not an assignment
        "Bob should send the invoice",  # Bob shares no project with this person
    ],
)
def test_team_parse_leaves_other_commands_alone(text):
    assert team.parse_team(text, PROJECTS, _people()) is None


def test_team_scope_only_names_known_projects():
    assert team.find_scope("jot down olive oil in groceries", PROJECTS) == team.Scope(
        "Groceries", "jot down olive oil", creating=True
    )
    assert team.find_scope("add print labels to the home office list", PROJECTS).project == "Home Office"
    assert team.find_scope("add call mom to my list", PROJECTS) is None
    assert team.find_scope("add water plants in the garden", PROJECTS) is None  # no Garden project
    scoped = team.find_scope("delete olive oil from groceries", PROJECTS)
    assert (scoped.project, scoped.rest, scoped.creating) == ("Groceries", "delete olive oil", False)
    assert team.find_scope("list everything in the Home Office project", PROJECTS).rest == "list everything"


def test_team_assignee_filter_and_compound_split():
    assert team.find_assignee_filter("which tasks are assigned to Priya?")[0] == "Priya"
    assert team.find_assignee_filter("show my assignments")[0] == "me"
    assert team.find_assignee_filter("list unassigned tasks in groceries") == (
        "nobody",
        "list tasks in groceries",
    )
    assert team.find_assignee_filter("show my tasks") is None
    assert team.find_assignee_filter("what is tom busy with", _people()) == ("tom", "show tasks")
    assert team.find_assignee_filter("priya's to-dos", _people())[0] == "priya"
    assert team.find_assignee_filter("bob's tasks", _people()) is None  # nobody they share with
    assert team.split_compound("put taxes in home office then give it to tom") == [
        "put taxes in home office",
        "give it to tom",
    ]
    assert team.split_compound("add bread and milk") == ["add bread and milk"]


# --- the agent ------------------------------------------------------------------------------------
@pytest.fixture
def tools() -> FakeTools:
    tools = FakeTools()
    tools.project("Groceries", members=[("Priya Shah", "priya@x.test")])
    tools.project("Home Office", members=[("Priya Shah", "priya@x.test"), ("Tom", "tom@x.test")])
    return tools


def say(tools: FakeTools, *lines: str):
    memory = AgentMemory()
    reply = None
    for line in lines:
        reply = run_local_agent(line, call_tool=tools, memory=memory, today=TODAY)
        memory = reply.memory
    assert reply is not None
    return reply


def test_team_agent_adds_to_a_known_project_only(tools):
    reply = say(tools, "please jot down olive oil on the groceries list")
    assert reply.text == 'Added "olive oil" to Groceries.'
    assert tools.by_title("olive oil")["project"] == "Groceries"
    say(tools, "add phone the bank to my list")
    assert tools.by_title("phone the bank")["project"] == "Inbox"  # as before issue 16


def test_team_agent_scopes_a_command_to_a_project(tools):
    tools.seed("eggs")
    tools.seed("eggs")["project"] = "Groceries"
    reply = say(tools, "tick off eggs on the groceries list")
    assert reply.text == 'Marked "eggs" as done.'
    done = {t["project"]: t["completed"] for t in tools.tasks.values()}
    assert done == {"Inbox": False, "Groceries": True}
    tools.seed("printer ink")["project"] = "Home Office"
    listing = say(tools, "what's left in home office?")
    assert "printer ink" in listing.text
    assert "eggs" not in listing.text
    assert "in Home Office" in listing.text


def test_team_agent_adds_a_bare_task_to_the_project_it_names(tools):
    """ "for groceries: oat milk" / "buy bread in groceries": a task named without "add" goes to the
    project the message names, as "add X to P" does."""
    reply = say(tools, "for home office: order printer ink")
    assert reply.text.startswith('Added "order printer ink"')
    say(tools, "buy bread in groceries")
    placed = {t["title"]: t["project"] for t in tools.tasks.values()}
    assert placed == {"order printer ink": "Home Office", "buy bread": "Groceries"}


def test_team_agent_under_a_project_adds_to_it_and_under_a_task_adds_a_subtask(tools):
    """ "add X under Y": Y's project when one is called Y (even with a task called Y too), else the
    task called Y gets X as a subtask."""
    tools.seed("groceries")
    tools.seed("move house")
    say(tools, "add oat milk under groceries")
    say(tools, "add pack books under move house")
    oat, books = tools.by_title("oat milk"), tools.by_title("pack books")
    assert (oat["project"], oat.get("parent_id")) == ("Groceries", None)
    assert books["parent_id"] == tools.by_title("move house")["id"]


def test_team_agent_reads_a_possessive_without_its_apostrophe(tools):
    """ "whats on toms plate" / "show priyas tasks": that person's tasks, as with "tom's"."""
    tools.seed("renew the cert")["assignee"] = "tom@x.test"
    tools.seed("water plants")
    for line in ("whats on toms plate", "show toms tasks"):
        reply = say(tools, line)
        assert "renew the cert" in reply.text
        assert "water plants" not in reply.text


def test_team_agent_adds_a_project_task_and_clears_a_project_when_told_yes(tools):
    """ "new groceries task: oat milk" goes to the project it names; "clear the groceries list" asks
    (several tasks), then deletes that list's tasks and no others."""
    say(tools, "new groceries task: oat milk")
    assert tools.by_title("oat milk")["project"] == "Groceries"
    tools.seed("call mom")
    tools.seed("bread")["project"] = "Groceries"
    asked = say(tools, "clear the groceries list")
    assert "oat milk" in asked.text
    assert "call mom" not in asked.text
    assert tools.titles() == ["oat milk", "call mom", "bread"]  # several: nothing deleted before the yes
    done = run_local_agent("yes", call_tool=tools, memory=asked.memory, today=TODAY)
    assert tools.titles() == ["call mom"], done.text


def test_team_agent_moves_and_assigns_what_it_just_added(tools):
    reply = say(tools, "add renew the lease", "file it under home office", "hand it over to Tom")
    task = tools.by_title("renew the lease")
    assert (task["project"], task["assignee"]) == ("Home Office", "tom@x.test")
    assert reply.text == 'Assigned "renew the lease" to Tom.'


def test_team_agent_refuses_a_non_member_and_changes_nothing(tools):
    tools.seed("buy stamps")
    reply = say(tools, "assign buy stamps to tom")
    assert reply.text.startswith("Tom is not a member of “Inbox”: share it with them first.")
    assert tools.by_title("buy stamps")["assignee"] is None
    assert "assign_task" in tools.changing_calls()  # asked, and refused by the tools


def test_team_agent_lists_by_assignee(tools):
    say(tools, "add wire shelves to home office and assign it to priya")
    say(tools, "add order toner to home office and let me handle it")
    mine = say(tools, "which tasks do I have assigned?")
    assert "order toner" in mine.text
    assert "wire shelves" not in mine.text
    hers = say(tools, "show me what is assigned to Priya")
    assert "wire shelves" in hers.text
    assert "order toner" not in hers.text


def test_team_agent_creates_a_project_and_lists_projects(tools):
    reply = say(tools, "set up a project called Holiday")
    assert reply.text.startswith('Created the project "Holiday".')
    listed = say(tools, "show my projects")
    assert "Holiday" in listed.text
    assert "Groceries" in listed.text


def test_team_agent_comments_and_reports_activity(tools):
    tools.seed("quarterly taxes")
    reply = say(tools, "add a comment to the taxes - receipts are in the blue folder")
    assert reply.text == 'Commented on "quarterly taxes": receipts are in the blue folder'
    assert tools.comments == [
        {"task_id": tools.by_title("quarterly taxes")["id"], "body": "receipts are in the blue folder"}
    ]
    tools.activity.append({"who": "priya", "project": "Groceries", "text": 'Priya Shah completed "eggs"'})
    did = say(tools, "so what has priya done today")
    assert 'Priya Shah completed "eggs"' in did.text
    none = say(tools, "what did tom do yesterday")
    assert "hasn't changed anything" in none.text


def test_team_agent_shares_only_after_yes(tools):
    asked = say(tools, "invite tom@x.test to groceries as a viewer")
    assert asked.confirmation is not None
    assert asked.confirmation.action == "share"
    assert asked.confirmation.calls == [
        {"tool": "share_project", "args": {"project": "p1", "email": "tom@x.test", "role": "viewer"}}
    ]
    assert "share_project" not in tools.changing_calls()
    memory = asked.memory
    done = run_local_agent("go ahead", call_tool=tools, memory=memory, today=TODAY)
    assert done.text == 'Shared "Groceries" with tom@x.test as viewer.'
    assert tools.changing_calls() == ["share_project"]


def test_team_agent_share_no_keeps_everything_and_inbox_is_personal(tools):
    asked = say(tools, "share the home office with priya")  # a teammate's name: her email is known
    assert asked.confirmation is not None
    reply = run_local_agent("no thanks", call_tool=tools, memory=asked.memory, today=TODAY)
    assert reply.text.startswith("Okay, I didn't share it.")
    assert tools.changing_calls() == []
    assert "personal" in say(tools, "share my inbox with tom@x.test").text
    assert "What is bob's email" in say(tools, "share groceries with bob").text


def test_team_agent_says_who_has_a_task(tools):
    tools.seed("car wash")["project"] = "Home Office"
    say(tools, "tom should handle the car wash")
    assert say(tools, "who has the car wash?").text == '"car wash" (in Home Office) is assigned to Tom.'
    assert "car wash" in say(tools, "what is tom working on").text
    say(tools, "nobody owns the car wash")
    assert say(tools, "who is doing the car wash").text.endswith("is not assigned to anyone.")


def test_team_agent_asks_before_moving_or_assigning_more_than_three(tools):
    for title in ("tape", "glue", "pens", "pads", "ink"):
        tools.seed(title)
    asked = say(tools, "move tape, glue, pens, pads and ink to home office")
    assert asked.text.startswith("Move 5 tasks to Home Office?")
    assert asked.confirmation is not None
    assert {c["args"]["project_id"] for c in asked.confirmation.calls} == {"Home Office"}
    assert "move_task" not in tools.changing_calls()
    done = run_local_agent("yes", call_tool=tools, memory=asked.memory, today=TODAY)
    assert done.text == "Moved 5 tasks to Home Office."
    assert {t["project"] for t in tools.tasks.values()} == {"Home Office"}
    again = run_local_agent("give all of them to tom", call_tool=tools, memory=done.memory, today=TODAY)
    assert again.text.startswith("Assign 5 tasks to tom?")
    kept = run_local_agent("no", call_tool=tools, memory=again.memory, today=TODAY)
    assert kept.text == "Okay, nothing changed."
    assert {t["assignee"] for t in tools.tasks.values()} == {None}


def test_team_agent_asks_which_person_when_a_name_fits_two(tools):
    tools.project("Band", members=[("Sam Lee", "sam@x.test"), ("Sam Park", "park@x.test")])
    tools.seed("book the hall")["project"] = "Band"
    reply = say(tools, "assign book the hall to sam")
    assert reply.text.startswith("Which sam do you mean?")
    assert tools.by_title("book the hall")["assignee"] is None
    say(tools, "assign book the hall to park@x.test")
    assert tools.by_title("book the hall")["assignee"] == "park@x.test"


@pytest.mark.parametrize(
    "text", ["show my tasks", "mark it done", "undo", "add tasks: eggs, bread and butter"]
)
def test_team_agent_looks_projects_up_only_when_a_message_can_name_one(tools, text):
    tools.seed("it")
    say(tools, text)
    assert "list_projects" not in [name for name, _ in tools.calls]


def test_team_agent_looks_members_up_only_when_a_message_can_name_a_person(tools):
    say(tools, "add olive oil to groceries")
    assert [args for name, args in tools.calls if name == "list_projects"] == [{"members": False}]


def test_team_agent_counts_a_project(tools):
    tools.seed("flour")["project"] = "Groceries"
    tools.seed("sugar")["project"] = "Groceries"
    tools.seed("stapler")["project"] = "Home Office"
    reply = say(tools, "count the groceries tasks")
    assert reply.text.startswith("You have 2 open tasks in Groceries:")


def test_team_agent_a_viewer_is_told_they_cannot_add_or_move(tools):
    tools.project("Club", role="viewer")
    tools.seed("flyers")
    for text in ("add print flyers to club", "move flyers to the club list"):
        reply = say(tools, text)
        assert reply.text.startswith('You can view "Club" but not change it')
    assert tools.changing_calls() == []


def test_team_agent_assigns_when_a_person_can_take_a_task(tools):
    """ "priya can take X": a person offered for a task, with no "assign", "should" or "let" in it."""
    say(tools, "add wire shelves to home office")
    reply = say(tools, "priya can take wire shelves")
    assert tools.by_title("wire shelves")["assignee"] == "priya@x.test"
    assert reply.text == 'Assigned "wire shelves" to Priya Shah.'
