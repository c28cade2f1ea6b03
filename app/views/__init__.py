"""Read models: plain, JSON-ready views of threads, messages (``chat``) and widget trees (``widget``).

Built from models and services for every interface (pages, API, CLI); nothing here writes.
"""
