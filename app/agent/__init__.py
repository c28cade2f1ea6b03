"""The assistant: one tool registry, the local offline agent and the OpenAI backend."""
