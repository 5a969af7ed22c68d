"""Keyed pseudonyms and encryption, what keeps a stored row from naming a person; the disclosure
threshold, what keeps a number shown from narrowing one down."""
