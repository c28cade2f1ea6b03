"""Flows that span the agent and the widgets: a chat turn (``runner``), the cards it answers with
(``turn_widgets``) and a card's click run once through the tool registry (``widget_actions``).

Only the entry points (API, CLI, MCP, Reflex states) import this package.
"""
