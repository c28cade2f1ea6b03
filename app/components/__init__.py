"""Reusable Reflex components (each a function returning ``rx.Component``)."""
