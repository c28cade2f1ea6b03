"""Extra phrasings beyond the shared eval, in the same case format, to guard against overfitting.

Each case is replayed in-process (see eval_replay.py) on three fixed days.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.agent.eval_replay import run_case

DAYS = [dt.date(2025, 11, 19), dt.date(2025, 12, 5), dt.date(2025, 12, 28)]

CASES: list[dict] = [
    # --- create ---------------------------------------------------------------------------------
    {
        "id": "create-new-task-colon",
        "say": ["new task: renew passport"],
        "tasks": [{"title": "renew passport"}],
    },
    {
        "id": "create-have-to",
        "say": ["I have to call the bank today"],
        "tasks": [{"title": "call the bank", "due_date": "today"}],
    },
    {
        "id": "create-next-week",
        "say": ["add plan sprint next week"],
        "tasks": [{"title": "plan sprint", "due_date": "+7d"}],
    },
    {
        "id": "create-in-two-weeks",
        "say": ["add renew lease in 2 weeks"],
        "tasks": [{"title": "renew lease", "due_date": "+14d"}],
    },
    {
        "id": "create-tonight",
        "say": ["add take out the trash tonight"],
        "tasks": [{"title": "take out the trash", "due_date": "today"}],
    },
    {
        "id": "create-by-weekday",
        "say": ["remind me to pay the invoice by tuesday"],
        "tasks": [{"title": "pay the invoice", "due_date": "wd:tuesday"}],
    },
    {
        "id": "create-due-word",
        "say": ["add quarterly report due thursday"],
        "tasks": [{"title": "quarterly report", "due_date": "wd:thursday"}],
    },
    {
        "id": "create-day-month",
        "say": ["add anniversary dinner on 5 december"],
        "tasks": [{"title": "anniversary dinner", "due_date": "md:12-05"}],
    },
    {
        "id": "create-abbrev-month",
        "say": ["add send cards dec 20"],
        "tasks": [{"title": "send cards", "due_date": "md:12-20"}],
    },
    {
        "id": "create-important",
        "say": ["add an important task: review contract"],
        "tasks": [{"title": "review contract", "priority": "high"}],
    },
    {
        "id": "create-low-first",
        "say": ["add low priority task to sort photos"],
        "tasks": [{"title": "sort photos", "priority": "low"}],
    },
    {
        "id": "create-tag-colon",
        "say": ["add prepare agenda tag: work"],
        "tasks": [{"title": "prepare agenda", "tags": ["work"]}],
    },
    {
        "id": "create-two-hashtags",
        "say": ["add pack bags #travel #holiday"],
        "tasks": [{"title": "pack bags", "tags": ["travel", "holiday"]}],
    },
    {
        "id": "create-weekly",
        "say": ["add clean the bathroom weekly"],
        "tasks": [{"title": "clean the bathroom", "recurrence": "weekly"}],
    },
    {
        "id": "create-monthly",
        "say": ["add pay the rent every month"],
        "tasks": [{"title": "pay the rent", "recurrence": "monthly"}],
    },
    {
        "id": "create-every-friday",
        "say": ["add submit timesheet every friday"],
        "tasks": [{"title": "submit timesheet", "recurrence": "weekly", "due_date": "wd:friday"}],
    },
    {
        "id": "create-list-comma",
        "say": ["add tasks: call mom, call dad, email boss"],
        "count": 3,
        "tasks": [{"title": "call mom"}, {"title": "call dad"}, {"title": "email boss"}],
    },
    {
        "id": "create-and-stays-one",
        "say": ["add buy salt and pepper"],
        "count": 1,
        "tasks": [{"title": "buy salt and pepper"}],
    },
    {
        "id": "create-keeps-case",
        "say": ["remind me to email Dr. Smith about the MRI"],
        "tasks": [{"title": "email Dr. Smith about the MRI"}],
    },
    {
        "id": "create-dont-forget",
        "say": ["don't let me forget to renew the car insurance"],
        "tasks": [{"title": "renew the car insurance"}],
    },
    {
        "id": "create-iso",
        "say": ["add file taxes on 2027-04-15"],
        "tasks": [{"title": "file taxes", "due_date": "2027-04-15"}],
    },
    # --- list -----------------------------------------------------------------------------------
    {
        "id": "list-whats-left",
        "setup": [{"title": "buy milk"}, {"title": "call mom", "done": True}],
        "say": ["what do I still have to do?"],
        "reply": {"contains": ["buy milk"], "excludes": ["call mom"]},
    },
    {
        "id": "list-done",
        "setup": [{"title": "buy milk"}, {"title": "call mom", "done": True}],
        "say": ["show completed tasks"],
        "reply": {"contains": ["call mom"], "excludes": ["buy milk"]},
    },
    {
        "id": "list-hashtag",
        "setup": [{"title": "book hotel", "tags": ["travel"]}, {"title": "write report", "tags": ["work"]}],
        "say": ["list #work"],
        "reply": {"contains": ["write report"], "excludes": ["book hotel"]},
    },
    {
        "id": "list-bare-tag",
        "setup": [{"title": "book hotel", "tags": ["travel"]}, {"title": "write report", "tags": ["work"]}],
        "say": ["show my travel tasks"],
        "reply": {"contains": ["book hotel"], "excludes": ["write report"]},
    },
    {
        "id": "list-urgent",
        "setup": [{"title": "renew lease", "priority": "high"}, {"title": "tidy desk", "priority": "low"}],
        "say": ["anything urgent?"],
        "reply": {"contains": ["renew lease"], "excludes": ["tidy desk"]},
    },
    {
        "id": "list-low",
        "setup": [{"title": "renew lease", "priority": "high"}, {"title": "tidy desk", "priority": "low"}],
        "say": ["show low priority tasks"],
        "reply": {"contains": ["tidy desk"], "excludes": ["renew lease"]},
    },
    {
        "id": "list-due-tomorrow",
        "setup": [{"title": "pay bills", "due": "+1d"}, {"title": "plan trip", "due": "+5d"}],
        "say": ["due tomorrow"],
        "reply": {"contains": ["pay bills"], "excludes": ["plan trip"]},
    },
    {
        "id": "list-overdue-q",
        "setup": [{"title": "renew license", "due": "-2d"}, {"title": "buy gift", "due": "+3d"}],
        "say": ["which tasks are overdue?"],
        "reply": {"contains": ["renew license"], "excludes": ["buy gift"]},
    },
    {
        "id": "list-find",
        "setup": [{"title": "buy milk"}, {"title": "call plumber"}],
        "say": ["find plumber"],
        "reply": {"contains": ["call plumber"], "excludes": ["buy milk"]},
    },
    {
        "id": "list-search-tasks-about",
        "setup": [{"title": "buy milk"}, {"title": "call plumber"}],
        "say": ["do I have any tasks about milk?"],
        "reply": {"contains": ["buy milk"], "excludes": ["call plumber"]},
    },
    # --- complete / reopen ----------------------------------------------------------------------
    {
        "id": "complete-is-done",
        "setup": [{"title": "buy milk"}, {"title": "call mom"}],
        "say": ["buy milk is done"],
        "tasks": [{"title": "buy milk", "completed": True}, {"title": "call mom", "completed": False}],
    },
    {
        "id": "complete-check-off",
        "setup": [{"title": "buy milk"}],
        "say": ["check off buy milk"],
        "tasks": [{"title": "buy milk", "completed": True}],
    },
    {
        "id": "complete-i-did",
        "setup": [{"title": "walk the dog"}, {"title": "buy milk"}],
        "say": ["I walked the dog"],
        "tasks": [{"title": "walk the dog", "completed": True}],
    },
    {
        "id": "complete-two",
        "setup": [{"title": "buy milk"}, {"title": "call mom"}, {"title": "pay rent"}],
        "say": ["complete buy milk and call mom"],
        "tasks": [
            {"title": "buy milk", "completed": True},
            {"title": "call mom", "completed": True},
            {"title": "pay rent", "completed": False},
        ],
    },
    {
        "id": "complete-by-number",
        "setup": [{"title": "buy milk"}, {"title": "call mom"}],
        "say": ["show my tasks", "complete task 2"],
        "tasks": [{"title": "buy milk", "completed": False}, {"title": "call mom", "completed": True}],
    },
    {
        "id": "complete-typo",
        "setup": [{"title": "call the dentist"}, {"title": "buy milk"}],
        "say": ["complete the dentst task"],
        "tasks": [{"title": "call the dentist", "completed": True}],
    },
    {
        "id": "reopen-not-done",
        "setup": [{"title": "buy milk", "done": True}],
        "say": ["mark buy milk as not done"],
        "tasks": [{"title": "buy milk", "completed": False}],
    },
    # --- delete ---------------------------------------------------------------------------------
    {
        "id": "delete-second-one",
        "setup": [{"title": "buy milk"}, {"title": "call mom"}],
        "say": ["list my tasks", "delete the second one"],
        "count": 1,
        "absent": ["call mom"],
    },
    {
        "id": "delete-get-rid",
        "setup": [{"title": "buy milk"}, {"title": "call mom"}],
        "say": ["get rid of the milk task"],
        "count": 1,
        "absent": ["buy milk"],
    },
    {
        "id": "delete-everything-confirm",
        "setup": [{"title": "one"}, {"title": "two"}],
        "say": ["delete everything", "sure"],
        "count": 0,
    },
    {
        "id": "delete-bulk-other-message",
        "setup": [{"title": "one"}, {"title": "two"}],
        "say": ["delete all my tasks", "show my tasks", "yes"],
        "count": 2,
    },
    {
        "id": "delete-two-named-asks",
        "setup": [{"title": "buy milk"}, {"title": "call mom"}],
        "say": ["delete buy milk and call mom"],
        "count": 2,
    },
    # --- update ---------------------------------------------------------------------------------
    {
        "id": "update-change-to",
        "setup": [{"title": "buy milk"}],
        "say": ["change buy milk to buy almond milk"],
        "tasks": [{"title": "buy almond milk"}],
        "count": 1,
    },
    {
        "id": "update-low",
        "setup": [{"title": "tidy desk", "priority": "high"}],
        "say": ["set tidy desk to low priority"],
        "tasks": [{"title": "tidy desk", "priority": "low"}],
    },
    {
        "id": "update-is-due",
        "setup": [{"title": "dentist"}],
        "say": ["dentist is due friday"],
        "tasks": [{"title": "dentist", "due_date": "wd:friday"}],
    },
    {
        "id": "update-reschedule",
        "setup": [{"title": "team lunch", "due": "+1d"}],
        "say": ["reschedule team lunch to next week"],
        "tasks": [{"title": "team lunch", "due_date": "+7d"}],
    },
    {
        "id": "update-clear-due",
        "setup": [{"title": "dentist", "due": "+1d"}],
        "say": ["remove the due date from dentist"],
        "tasks": [{"title": "dentist", "due_date": None}],
    },
    {
        "id": "update-add-tag",
        "setup": [{"title": "write report", "tags": ["q4"]}],
        "say": ["add tag work to write report"],
        "tasks": [{"title": "write report", "tags": ["q4", "work"]}],
    },
    {
        "id": "update-it-due",
        "say": ["add call mom", "move it to tomorrow"],
        "tasks": [{"title": "call mom", "due_date": "+1d"}],
        "count": 1,
    },
    {
        "id": "update-that-done",
        "say": ["add buy stamps", "mark that as done"],
        "tasks": [{"title": "buy stamps", "completed": True}],
    },
    {
        "id": "context-its-due",
        "say": ["add call mom", "it's due friday"],
        "tasks": [{"title": "call mom", "due_date": "wd:friday"}],
    },
    {
        "id": "context-tag-it",
        "say": ["add buy milk", "tag it groceries"],
        "tasks": [{"title": "buy milk", "tags": ["groceries"]}],
    },
    {
        "id": "context-complete-them",
        "setup": [
            {"title": "write report", "tags": ["work"]},
            {"title": "prepare slides", "tags": ["work"]},
            {"title": "buy milk"},
        ],
        "say": ["show tasks tagged work", "complete them"],
        "tasks": [
            {"title": "write report", "completed": True},
            {"title": "prepare slides", "completed": True},
            {"title": "buy milk", "completed": False},
        ],
    },
    {
        "id": "delete-everything-done",
        "setup": [{"title": "a", "done": True}, {"title": "b", "done": True}, {"title": "c"}],
        "say": ["remove everything that's done", "yes please"],
        "count": 1,
        "tasks": [{"title": "c"}],
    },
    {
        "id": "delete-tagged-asks",
        "setup": [{"title": "a", "tags": ["work"]}, {"title": "b", "tags": ["work"]}, {"title": "c"}],
        "say": ["delete all tasks tagged work", "keep them"],
        "count": 3,
    },
    {
        "id": "remind-me-date-first",
        "say": ["remind me tomorrow to call the plumber"],
        "tasks": [{"title": "call the plumber", "due_date": "+1d"}],
    },
    {
        "id": "update-less-urgent",
        "setup": [{"title": "tidy desk", "priority": "high"}],
        "say": ["make tidy desk less urgent"],
        "tasks": [{"title": "tidy desk", "priority": "low"}],
    },
    {
        "id": "update-set-to-level",
        "setup": [{"title": "write report"}],
        "say": ["set write report to high"],
        "tasks": [{"title": "write report", "priority": "high"}],
    },
    {
        "id": "update-change-to-level",
        "setup": [{"title": "tidy desk", "priority": "high"}],
        "say": ["change tidy desk to low"],
        "tasks": [{"title": "tidy desk", "priority": "low"}],
        "absent": ["low"],
    },
    {
        "id": "create-numbered-list",
        "say": ["add 3 tasks: wash car, vacuum, dust shelves"],
        "count": 3,
        "tasks": [{"title": "wash car"}, {"title": "vacuum"}, {"title": "dust shelves"}],
    },
    {
        "id": "complete-past-tense",
        "setup": [{"title": "call the vet"}, {"title": "buy milk"}],
        "say": ["I called the vet"],
        "tasks": [{"title": "call the vet", "completed": True}, {"title": "buy milk", "completed": False}],
    },
    {
        "id": "list-what-remains",
        "setup": [{"title": "buy milk"}, {"title": "call mom", "done": True}],
        "say": ["what remains?"],
        "reply": {"contains": ["buy milk"], "excludes": ["call mom"]},
    },
    # --- undo / chat / safety -------------------------------------------------------------------
    {
        "id": "undo-rename",
        "setup": [{"title": "buy milk"}],
        "say": ["rename buy milk to buy bread", "undo that"],
        "tasks": [{"title": "buy milk"}],
        "count": 1,
    },
    {"id": "undo-add-list", "say": ["add tasks: eggs, bread and butter", "undo"], "count": 0},
    {
        "id": "chat-thanks",
        "setup": [{"title": "buy milk"}],
        "say": ["thanks!"],
        "count": 1,
        "tasks": [{"title": "buy milk", "completed": False}],
    },
    {
        "id": "chat-help-words",
        "say": ["help"],
        "reply": {"contains": ["add", "list", "complete", "delete", "undo"]},
    },
    {
        "id": "ambiguous-names-both",
        "setup": [{"title": "call mom"}, {"title": "call dad"}],
        "say": ["delete call"],
        "count": 2,
        "reply": {"contains": ["call mom", "call dad"]},
    },
    {
        "id": "not-found-says-so",
        "setup": [{"title": "buy milk"}],
        "say": ["delete walk the dog"],
        "count": 1,
        "reply": {"contains": ["walk the dog"]},
    },
    {
        "id": "create-two-actions",
        "say": ["add call mom and buy flowers tomorrow"],
        "count": 2,
        "tasks": [{"title": "call mom", "due_date": "+1d"}, {"title": "buy flowers", "due_date": "+1d"}],
    },
    {
        "id": "create-one-action-two-things",
        "say": ["add pick up eggs and bread"],
        "count": 1,
        "tasks": [{"title": "pick up eggs and bread"}],
    },
    {
        "id": "complete-irregular-past",
        "setup": [{"title": "pay rent"}, {"title": "buy milk"}],
        "say": ["I paid the rent"],
        "tasks": [{"title": "pay rent", "completed": True}, {"title": "buy milk", "completed": False}],
    },
    {
        "id": "complete-irregular-past-just",
        "setup": [{"title": "write the report"}, {"title": "send invoice"}],
        "say": ["I just sent the invoice"],
        "tasks": [
            {"title": "send invoice", "completed": True},
            {"title": "write the report", "completed": False},
        ],
    },
    {
        "id": "delete-no-longer-needed",
        "setup": [{"title": "buy milk"}, {"title": "walk the dog"}],
        "say": ["I don't need buy milk anymore"],
        "count": 1,
        "absent": ["buy milk"],
    },
    {
        "id": "delete-no-longer-need-to",
        "setup": [{"title": "call the plumber"}, {"title": "walk the dog"}],
        "say": ["we no longer need to call the plumber"],
        "count": 1,
        "absent": ["call the plumber"],
    },
    {
        "id": "list-late-on",
        "setup": [{"title": "pay rent", "due": "-2d"}, {"title": "walk the dog", "due": "+5d"}],
        "say": ["what am I late on?"],
        "reply": {"contains": ["pay rent"], "excludes": ["walk the dog"]},
    },
    {
        "id": "list-behind",
        "setup": [{"title": "pay rent", "due": "-1d"}, {"title": "walk the dog", "due": "+5d"}],
        "say": ["am I behind on anything?"],
        "reply": {"contains": ["pay rent"], "excludes": ["walk the dog"]},
    },
    {
        "id": "create-gotta",
        "say": ["gotta renew my passport by march 3"],
        "count": 1,
        "tasks": [{"title": "renew my passport", "due_date": "md:03-03"}],
    },
    {
        "id": "create-need-to-no-subject",
        "say": ["need to send the contract by thursday"],
        "count": 1,
        "tasks": [{"title": "send the contract", "due_date": "wd:thursday"}],
    },
    {
        "id": "complete-irregular-past-no-subject",
        "setup": [{"title": "buy milk"}, {"title": "pay rent"}],
        "say": ["bought the milk"],
        "tasks": [{"title": "buy milk", "completed": True}, {"title": "pay rent", "completed": False}],
    },
    {
        "id": "reopen-isnt-done-actually",
        "setup": [{"title": "buy milk", "done": True}],
        "say": ["buy milk isn't done actually"],
        "tasks": [{"title": "buy milk", "completed": False}],
    },
    {
        "id": "delete-scratch",
        "setup": [{"title": "go to the gym"}, {"title": "buy milk"}],
        "say": ["scratch the gym"],
        "count": 1,
        "absent": ["go to the gym"],
    },
    {
        "id": "undo-scratch-that",
        "setup": [{"title": "buy milk"}],
        "say": ["complete buy milk", "scratch that"],
        "count": 1,
        "tasks": [{"title": "buy milk", "completed": False}],
    },
    {
        "id": "undo-never-mind-bring-it-back",
        "setup": [{"title": "buy milk"}, {"title": "pay rent"}],
        "say": ["delete buy milk", "never mind, bring it back"],
        "count": 2,
        "tasks": [{"title": "buy milk"}],
    },
    {
        "id": "create-to-shopping-without-such-a-project",
        "say": ["add eggs to shopping"],
        "count": 1,
        "tasks": [{"title": "eggs"}],
    },
    {
        "id": "create-to-groceries-list",
        "say": ["add bread to the groceries list"],
        "count": 1,
        "tasks": [{"title": "bread"}],
    },
    {
        "id": "create-grocery-store-keeps-its-words",
        "say": ["add go to the grocery store"],
        "tasks": [{"title": "go to the grocery store"}],
    },
    {
        "id": "rename-call-the-task-instead",
        "setup": [{"title": "buy milk"}],
        "say": ["call the milk task buy oat milk instead"],
        "count": 1,
        "tasks": [{"title": "buy oat milk"}],
    },
    {
        "id": "rename-should-be",
        "setup": [{"title": "buy milk"}],
        "say": ["buy milk should be buy oat milk"],
        "count": 1,
        "tasks": [{"title": "buy oat milk"}],
    },
    {
        "id": "should-be-done-is-no-rename",
        "setup": [{"title": "pay rent"}],
        "say": ["pay rent should be done by friday"],
        "count": 1,
        "tasks": [{"title": "pay rent"}],
    },
    {
        "id": "should-be-high-is-a-priority",
        "setup": [{"title": "taxes"}],
        "say": ["taxes should be high priority"],
        "count": 1,
        "tasks": [{"title": "taxes", "priority": "high"}],
    },
    {
        "id": "priority-isnt-urgent-anymore",
        "setup": [{"title": "pay rent", "priority": "high"}],
        "say": ["pay rent isn't urgent anymore"],
        "count": 1,
        "tasks": [{"title": "pay rent", "priority": "low"}],
    },
    {
        "id": "complete-knock-off",
        "setup": [{"title": "laundry"}, {"title": "dishes"}],
        "say": ["knock laundry off my list"],
        "tasks": [{"title": "laundry", "completed": True}, {"title": "dishes", "completed": False}],
    },
    {
        "id": "complete-passive-report",
        "setup": [{"title": "pay rent"}, {"title": "call mom"}],
        "say": ["rent is paid"],
        "tasks": [{"title": "pay rent", "completed": True}, {"title": "call mom", "completed": False}],
    },
    {
        "id": "complete-passive-got",
        "setup": [{"title": "wash the car"}, {"title": "call mom"}],
        "say": ["the car got washed"],
        "tasks": [{"title": "wash the car", "completed": True}, {"title": "call mom", "completed": False}],
    },
    {
        "id": "passive-state-is-no-deed",
        "setup": [{"title": "meeting"}, {"title": "dentist"}],
        "say": ["the meeting is cancelled", "dentist is scheduled for friday"],
        "tasks": [{"title": "meeting", "completed": False}, {"title": "dentist", "completed": False}],
    },
    {
        "id": "passive-question-changes-nothing",
        "setup": [{"title": "pay rent"}, {"title": "report", "done": True}],
        "say": ["is the rent paid?", "what is done?"],
        "tasks": [{"title": "pay rent", "completed": False}],
        "reply": {"contains": ["report"]},
    },
    {
        "id": "clear-due-doesnt-need-a-date",
        "setup": [{"title": "dentist", "due": "+1d"}],
        "say": ["dentist doesn't need a date"],
        "tasks": [{"title": "dentist", "due_date": None}],
    },
    {
        "id": "overdue-what-did-i-miss",
        "setup": [{"title": "gym", "due": "-1d"}, {"title": "read book"}],
        "say": ["what did I miss?"],
        "reply": {"contains": ["gym"], "excludes": ["read book"]},
    },
    {
        "id": "still-need-to-reopens-a-done-task",
        "setup": [{"title": "call mom", "done": True}, {"title": "gym"}],
        "say": ["actually I still need to call mom"],
        "count": 2,
        "tasks": [{"title": "call mom", "completed": False}],
    },
    {
        "id": "still-need-to-an-open-task-adds-nothing",
        "setup": [{"title": "call mom"}],
        "say": ["I still need to call mom"],
        "count": 1,
        "tasks": [{"title": "call mom", "completed": False}],
    },
    {
        "id": "still-need-to-a-new-task-adds-it",
        "setup": [{"title": "gym"}],
        "say": ["I still need to call mom"],
        "count": 2,
        "tasks": [{"title": "call mom", "completed": False}],
    },
    {
        "id": "create-wholly-quoted-title-is-one-task",
        "say": ["add 'buy milk, eggs and bread'"],
        "count": 1,
        "tasks": [{"title": "buy milk, eggs and bread"}],
    },
    {
        "id": "move-tasks-picked-by-date-to-another-date",
        "setup": [
            {"title": "gym", "due": "today"},
            {"title": "read", "due": "today"},
            {"title": "taxes", "due": "+3d"},
        ],
        "say": ["push everything due today to tomorrow", "yes"],
        "tasks": [
            {"title": "gym", "due_date": "+1d"},
            {"title": "read", "due_date": "+1d"},
            {"title": "taxes", "due_date": "+3d"},
        ],
    },
    {
        "id": "create-first-thing-monday",
        "say": ["add send report first thing monday"],
        "count": 1,
        "tasks": [{"title": "send report", "due_date": "wd:monday"}],
    },
    {
        "id": "create-first-thing-tomorrow",
        "say": ["add call the bank first thing tomorrow"],
        "count": 1,
        "tasks": [{"title": "call the bank", "due_date": "+1d"}],
    },
    {
        "id": "search-whens-it-due",
        "setup": [{"title": "pay rent", "due": "+3d"}, {"title": "gym"}],
        "say": ["when's rent due?"],
        "reply": {"contains": ["pay rent"], "excludes": ["gym"]},
    },
    {
        "id": "search-whens-the-task",
        "setup": [{"title": "dentist", "due": "+3d"}, {"title": "gym"}],
        "say": ["when's the dentist?"],
        "reply": {"contains": ["dentist"], "excludes": ["gym"]},
    },
    {
        "id": "complete-passive-without-is",
        "setup": [{"title": "buy socks"}, {"title": "pay rent"}, {"title": "call mom"}],
        "say": ["socks bought", "rent paid!"],
        "tasks": [
            {"title": "buy socks", "completed": True},
            {"title": "pay rent", "completed": True},
            {"title": "call mom", "completed": False},
        ],
    },
    {
        "id": "passive-without-is-state-or-speaker-changes-nothing",
        "setup": [{"title": "meeting"}, {"title": "gym"}],
        "say": ["meeting postponed", "I'm bored"],
        "count": 2,
        "tasks": [{"title": "meeting", "completed": False}, {"title": "gym", "completed": False}],
    },
    {
        "id": "create-bare-verb-phrase",
        "say": ["buy socks", "email the landlord about the boiler"],
        "count": 2,
        "tasks": [{"title": "buy socks"}, {"title": "email the landlord about the boiler"}],
    },
    {
        "id": "bare-verb-on-nothing-adds-nothing",
        "setup": [{"title": "gym"}],
        "say": ["fix it", "clean up", "buy socks?"],
        "count": 1,
    },
    {
        "id": "create-schedule-drops-the-article",
        "say": ["schedule a haircut for saturday"],
        "count": 1,
        "tasks": [{"title": "haircut", "due_date": "wd:saturday"}],
    },
    {
        "id": "create-month-alone",
        "say": ["add renew car insurance before march", "add plant tulips by the end of april"],
        "count": 2,
        "tasks": [
            {"title": "renew car insurance", "due_date": "md:02-28"},
            {"title": "plant tulips", "due_date": "md:04-30"},
        ],
    },
    {
        "id": "priority-can-wait",
        "setup": [{"title": "sort photos"}, {"title": "pay rent"}],
        "say": ["sort photos can wait"],
        "count": 2,
        "tasks": [{"title": "sort photos", "priority": "low"}, {"title": "pay rent", "priority": "medium"}],
    },
    {
        "id": "change-of-mind-then-the-command",
        "setup": [{"title": "call mom"}],
        "say": ["add buy glue", "never mind, remove it"],
        "count": 1,
        "absent": ["buy glue"],
    },
    {
        "id": "complete-just-did-without-i",
        "setup": [{"title": "email Tom"}, {"title": "clean the garage"}, {"title": "call mom"}],
        "say": ["just emailed Tom", "finally cleaned the garage!"],
        "tasks": [
            {"title": "email Tom", "completed": True},
            {"title": "clean the garage", "completed": True},
            {"title": "call mom", "completed": False},
        ],
    },
    {
        "id": "dont-let-me-forget-without-to",
        "say": [
            "don't let me forget the recycling on thursday",
            "don't forget about the vet appointment friday",
        ],
        "count": 2,
        "tasks": [
            {"title": "the recycling", "due_date": "wd:thursday"},
            {"title": "the vet appointment", "due_date": "wd:friday"},
        ],
    },
    {
        "id": "take-out-the-bins-is-a-chore",
        "setup": [{"title": "old chore"}, {"title": "keep"}],
        "say": ["take out the bins every tuesday", "take out old chore"],
        "count": 2,
        "absent": ["old chore"],
        "tasks": [{"title": "take out the bins", "recurrence": "weekly"}, {"title": "keep"}],
    },
    {
        "id": "follow-ups-about-the-task-just-added",
        "say": ["add water the ferns", "done with it", "add fix the boiler", "that one's important"],
        "tasks": [
            {"title": "water the ferns", "completed": True},
            {"title": "fix the boiler", "priority": "high"},
        ],
        "count": 2,
    },
    {
        "id": "do-it-on-a-day",
        "say": [
            "add mow lawn",
            "do it tomorrow",
            "add clean oven",
            "let's do that on friday",
            "do laundry tomorrow",
        ],
        "tasks": [
            {"title": "mow lawn", "due_date": "+1d"},
            {"title": "clean oven", "due_date": "wd:friday"},
            {"title": "do laundry", "due_date": "+1d"},
        ],
        "count": 3,
    },
    {
        "id": "a-possessive-is-no-statement-about-a-task",
        "say": ["mom's birthday party friday"],
        "tasks": [{"title": "mom's birthday party", "due_date": "wd:friday"}],
        "count": 1,
    },
    {
        "id": "a-deadline-after-a-completing-verb-is-a-task-to-do",
        "setup": [{"title": "the report"}],
        "say": ["finish the slides by friday", "cancel the gym membership before june", "finish the report"],
        "count": 3,
        "tasks": [
            {"title": "finish the slides", "due_date": "wd:friday", "completed": False},
            {"title": "cancel the gym membership", "completed": False},
            {"title": "the report", "completed": True},
        ],
    },
    {
        "id": "a-deadline-in-a-selection-still-selects",
        "setup": [{"title": "soon", "due": "+1d"}, {"title": "later", "due": "+40d"}],
        "say": ["delete everything due before next week", "complete all tasks due by friday"],
        "count": 1,
        "absent": ["soon"],
        "tasks": [{"title": "later", "completed": False}],
    },
    {
        "id": "tick-and-no-need",
        "setup": [{"title": "laundry"}, {"title": "buy printer"}, {"title": "keep"}],
        "say": ["tick laundry", "no need to buy printer anymore"],
        "count": 2,
        "absent": ["buy printer"],
        "tasks": [{"title": "laundry", "completed": True}, {"title": "keep", "completed": False}],
    },
    {
        "id": "coming-up-on-a-day-is-that-day",
        "setup": [{"title": "plan trip", "due": "+1d"}, {"title": "file taxes", "due": "+5d"}],
        "say": ["what's coming up tomorrow"],
        "reply": {"contains": ["plan trip"], "excludes": ["file taxes"]},
    },
    {
        "id": "didnt-do-it-yet-takes-the-tick-back",
        "setup": [
            {"title": "buy milk", "done": True},
            {"title": "pay rent", "done": True},
            {"title": "call mom"},
        ],
        "say": ["actually i didn't buy the milk yet", "I haven't paid the rent after all"],
        "count": 3,
        "tasks": [
            {"title": "buy milk", "completed": False},
            {"title": "pay rent", "completed": False},
            {"title": "call mom", "completed": False},
        ],
    },
    {
        "id": "anything-for-a-tag",
        "setup": [{"title": "book hotel", "tags": ["travel"]}, {"title": "write report", "tags": ["work"]}],
        "say": ["anything for travel?"],
        "reply": {"contains": ["book hotel"], "excludes": ["write report"]},
    },
    {
        "id": "a-bare-level-after-the-last-comma-is-the-priority",
        "say": ["please add: email Sarah about the contract, high"],
        "count": 1,
        "tasks": [{"title": "email Sarah about the contract", "priority": "high"}],
    },
    {
        "id": "knock-out-and-tag-with-the-last-word",
        "setup": [{"title": "water plants"}, {"title": "write report"}],
        "say": ["knock out water plants", "tag the report urgent"],
        "count": 2,
        "tasks": [
            {"title": "water plants", "completed": True},
            {"title": "write report", "tags": ["urgent"], "completed": False},
        ],
    },
    {
        "id": "what-to-focus-on-today-is-the-day-view",
        "setup": [
            {"title": "late thing", "due": "-1d"},
            {"title": "today thing", "due": "today"},
            {"title": "later", "due": "+3d"},
        ],
        "say": ["what should i focus on today"],
        "reply": {"contains": ["late thing", "today thing"], "excludes": ["later"]},
    },
    {
        "id": "ping-me-is-a-reminder",
        "setup": [{"title": "call the bank", "due": "+1d"}],
        "say": ["ping me about call the bank tomorrow at 8"],
        "count": 1,
        "tasks": [{"title": "call the bank", "reminders": ["+1d 08:00"]}],
    },
    {
        "id": "gibberish-keeps",
        "setup": [{"title": "buy milk"}],
        "say": ["zxcv bnm qwe"],
        "count": 1,
        "tasks": [{"title": "buy milk", "completed": False}],
    },
]


@pytest.mark.parametrize("today", DAYS, ids=[d.isoformat() for d in DAYS])
@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_phrasing_offline_passes(case: dict, today: dt.date) -> None:
    problems = run_case(case, today)
    assert not problems, "\n".join(problems)
