"""Content: YAML pages, facts, countries and wording, loaded and checked."""
