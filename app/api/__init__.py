"""Ticked's REST API (FastAPI), mounted into the Reflex app with ``api_transformer``."""
