"""ChatKit-shaped widgets: models (validation), builders (from tool results), actions (exactly once)."""
