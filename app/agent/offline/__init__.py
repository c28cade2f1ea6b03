"""Ticked's local, offline, deterministic English assistant.

Rules instead of a model: it understands everyday task commands ("add pay rent tomorrow",
"what's due today?", "complete task 2", "undo") and acts only through the tool registry.
It runs in-process and sends nothing anywhere, so nothing needs redacting (unlike the OpenAI
backend, see app/agent/redact.py).
"""

from app.agent.offline.agent import LocalAgent, run_local_agent

__all__ = ["LocalAgent", "run_local_agent"]
