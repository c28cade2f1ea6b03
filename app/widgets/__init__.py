"""ChatKit-shaped widgets: models (validation), typed actions and builders (from tool results).

Clicks on them run in ``app.orchestration.widget_actions``; their render trees in ``app.views.widget``.
"""
