"""What the code expects of the content: the contract checked by `python bot.py check-content`.

Interface strings are listed with the placeholders each may use; adding a string that the
code uses means adding it here and in every content/<lang>/ui.yaml.
"""

from __future__ import annotations

REFERENCE_LANGUAGE = "en"

# ui.yaml key -> placeholders it may contain.
UI_KEYS: dict[str, frozenset[str]] = {
    key: frozenset(placeholders)
    for key, placeholders in {
        "welcome": (),
        "safety_notice": (),
        "menu_prompt": (),
        "button_back": (),
        "button_home": (),
        "button_next": (),
        "button_language": (),
        "button_country": ("country",),
        "button_country_unset": (),
        "screen_counter": ("current", "total"),
        "sources_title": (),
        "source_line": ("source", "date"),
        "unconfirmed": (),
        "language_prompt": ("language",),
        "language_changed": ("language",),
        "country_prompt": (),
        "country_other": (),
        "country_changed": ("country",),
        "unknown_text": (),
        "unknown_command": ("command",),
        "not_text": (),
        "stale_button": (),
        "private_only": (),
        "error": (),
        "button_fairpay": (),
        "fairpay_unit": (),
        "fairpay_unit_task": (),
        "fairpay_unit_hour": (),
        "fairpay_unit_month": (),
        "fairpay_per_task": (),
        "fairpay_per_hour": (),
        "fairpay_per_month": (),
        "fairpay_local_currency": (),
        "fairpay_task_minutes": (),
        "fairpay_month_hours": (),
        "fairpay_unpaid_minutes": (),
        "fairpay_no_minimum": (),
        "fairpay_above": (),
        "fairpay_caveat": (),
        "fairpay_again": (),
        "fairpay_period_hour": (),
        "fairpay_period_day": (),
        "fairpay_period_week": (),
        "fairpay_period_month": (),
        "fairpay_amount": ("per_unit", "currency"),
        "fairpay_result": ("effective", "paid"),
        "fairpay_minimum": ("country", "minimum", "period", "hourly", "hours"),
        "fairpay_below": ("percent",),
        "form_use_buttons": (),
        "form_empty": (),
        "form_too_long": (),
        "form_not_number": (),
        "form_too_low": (),
        "form_too_high": (),
        "form_skip": (),
        "button_letter": (),
        "letter_problem": (),
        "letter_problem_unpaid": (),
        "letter_problem_late": (),
        "letter_problem_deductions": (),
        "letter_problem_deactivated": (),
        "letter_problem_other": (),
        "letter_since": (),
        "letter_request": (),
        "letter_request_pay": (),
        "letter_request_explain": (),
        "letter_request_reinstate": (),
        "letter_request_meeting": (),
        "letter_says_unpaid": (),
        "letter_says_late": (),
        "letter_says_deductions": (),
        "letter_says_deactivated": (),
        "letter_says_other": (),
        "letter_asks_pay": (),
        "letter_asks_explain": (),
        "letter_asks_reinstate": (),
        "letter_asks_meeting": (),
        "letter_ready": (),
        "letter_again": (),
        "letter_filename": (),
        "letter_amount": ("currency",),
        "letter_says_amount": ("amount",),
        "letter_body": ("date", "problem", "since", "amount", "request"),
        "crisis_intro": (),
        "button_exit": (),
        "button_report": (),
        "report_intro": (),
        "report_review": (),
        "report_send": (),
        "report_change": (),
        "report_change_which": (),
        "report_skipped": (),
        "report_clear": (),
        "report_keep": (),
        "report_cleared": (),
        "withdraw_usage": (),
        "withdraw_done": (),
        "withdraw_unknown": (),
        "exit_done": (),
        "forget_done": (),
        "forget_nothing": (),
        "command_privacy": (),
        "command_exit": (),
        "command_forget": (),
        "report_sent": ("code",),
        "report_limit": ("limit",),
        "report_pay_band": ("low", "high"),
        "report_pay_band_top": ("low",),
        "command_menu": (),
        "command_language": (),
        "command_help": (),
        "role_refused": (),
        # --- updates (subscriptions) and broadcasts ---
        # --- statistics (organizers) ---
    }.items()
}

# Actions a page's button may trigger besides opening another page.
ACTIONS = frozenset({"language", "country", "fairpay", "letter", "report"})

PAGE_KEYS = frozenset({"buttons", "by_country"})
PAGE_TEXT_KEYS = frozenset({"title", "body", "button"})
REQUIRED_PAGE_TEXT_KEYS = frozenset({"title", "body"})
HOME_PAGE = "main"
CRISIS_PAGE = "helplines"  # shown at once when a message speaks of suicide or self-harm
DEFAULT_COUNTRY_KEY = "default"  # in by_country: the page for "another country"

FACT_KINDS = frozenset({"text", "number", "money", "phone", "url", "date"})
FACT_KEYS = frozenset({"kind", "value", "currency", "per", "source", "as_of", "confirmed", "note"})
WAGE_PERIODS = frozenset({"hour", "day", "week", "month"})  # `per` of a money fact
REQUIRED_FACT_KEYS = frozenset({"kind", "value", "source", "as_of"})
# minimum_wage: a money fact with `per`; wage_hours: a number fact, the legal hours that
# period covers (so the fair-pay check can compare hourly pay with it).
COUNTRY_KEYS = frozenset({"currency", "minimum_wage", "wage_hours"})

# Telegram's limits (Bot API sendMessage and InlineKeyboardButton).
MAX_MESSAGE_CHARS = 4096
MAX_CALLBACK_BYTES = 64
# A screen's body aims at this size so it reads on a phone without scrolling far.
SCREEN_CHARS = 900

SURVEY_KINDS = frozenset({"choice", "country", "number", "text"})
SURVEY_QUESTION_KEYS = frozenset({"id", "kind", "options", "optional", "min", "max", "max_length", "after"})
SURVEY_PLACEHOLDERS = {"number": frozenset({"currency"})}  # by question kind
