"""Keyed pseudonyms and encryption: what keeps a stored row from naming a person."""
