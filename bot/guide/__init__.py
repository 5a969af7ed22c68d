"""The guide: menus and pages, remembered choices, and spotting words about suicide or
self-harm in any language."""
