"""The shared engine of every screen: screens and their splitting, texts per language,
callback data and its registry of prefixes, and question-and-answer forms."""
