"""Reflex states: thin layers that parse input, call a service and keep plain DTOs."""
