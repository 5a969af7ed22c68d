"""Organizers' broadcasts: the composer, the worker's message, and delivery from a
persisted outbox."""
