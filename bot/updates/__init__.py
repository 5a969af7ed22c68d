"""Opt-in updates for workers: subscriptions, topics, quiet hours and invite links."""
