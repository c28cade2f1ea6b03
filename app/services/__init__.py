"""Domain services: every rule about users, tasks and chats, scoped to the acting user.

Functions are keyword-only, take an open ``session`` and the acting ``user_id``, and never
open sessions or read the environment, so pages, CLI, API, MCP and tests share them.
"""
