"""What the code expects of the content: the contract checked by `python bot.py check-content`.

Interface strings are listed with the placeholders each may use; adding a string that the
code uses means adding it here and in every content/<lang>/ui.yaml.
"""

from __future__ import annotations

import re

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
        "source_line_published": ("source", "published", "date"),
        "unconfirmed": (),
        "language_prompt": ("language",),
        "language_changed": ("language",),
        "country_prompt": (),
        "country_other": (),
        "country_changed": ("country",),
        "button_platform": ("platform",),
        "button_platform_unset": (),
        "platform_prompt": (),
        "platform_other": (),
        "platform_changed": ("platform",),
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
        "fairpay_reference": (),
        "fairpay_compared": ("reference",),
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
        "letter_checklist": (),
        "letter_checklist_title": (),
        "fallback_note": ("language",),
        "crisis_automated": (),
        "crisis_line": ("number",),
        "crisis_emergency": ("number",),
        "crisis_emergencies": (),
        "crisis_country_line": ("country", "number"),
        "crisis_stay": (),
        "crisis_directory": ("link",),
        "crisis_more": (),
        "crisis_sources": (),
        "button_exit": (),
        "button_report": (),
        "report_intro": (),
        "report_review": (),
        "report_text_notice": ("date",),
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
        "report_not_saved": (),
        "report_limit": ("date",),
        "report_pay_band": ("low", "high"),
        "report_pay_band_top": ("low",),
        "command_menu": (),
        "command_language": (),
        "command_help": (),
        "bot_description": (),  # the bot's profile, set at start-up (setMyDescription)
        "bot_short_description": (),  # setMyShortDescription
        "role_refused": (),
        # --- updates (subscriptions) and broadcasts ---
        "button_updates": (),
        "updates_intro": (),
        "updates_none": (),
        "updates_status": ("topics", "country", "quiet"),
        "updates_topic_on": ("topic",),
        "updates_topic_off": ("topic",),
        "updates_topic_locked": (),
        "button_updates_country": ("country",),
        "button_updates_quiet": ("quiet",),
        "button_updates_zone": ("zone",),
        "button_updates_stop": (),
        "updates_any_country": (),
        "updates_quiet_none": (),
        "updates_zone_country": ("country",),
        "updates_country_prompt": (),
        "updates_quiet_start": ("zone",),
        "updates_quiet_end": ("zone",),
        "button_quiet_none": (),
        "updates_zone_prompt": ("zone", "now"),
        "updates_stopped": (),
        "updates_joined": ("topic",),
        "updates_invite_invalid": (),
        "broadcast_header": (),
        "broadcast_footer": (),
        "broadcast_languages": (),
        "broadcast_countries": (),
        "broadcast_topics": (),
        "broadcast_mode": (),
        "broadcast_mode_one": (),
        "broadcast_mode_each": (),
        "broadcast_all_countries": (),
        "broadcast_text_one": ("language", "max"),
        "broadcast_text_language": ("language", "max"),
        "broadcast_too_long": ("max",),
        "broadcast_use_buttons": (),
        "broadcast_choose_one": (),
        "broadcast_expired": (),
        "broadcast_cancel": (),
        "broadcast_cancelled": (),
        "broadcast_preview": (),
        "broadcast_reach": ("count", "by_language"),
        "broadcast_reach_language": ("language", "count"),
        "broadcast_fewer": ("limit",),
        "broadcast_reach_none": (),
        "broadcast_preview_wait": ("wait",),
        "broadcast_show_reach": (),
        "broadcast_send": (),
        "broadcast_edit": (),
        "broadcast_progress": ("created", "status", "sent", "total", "failed", "blocked"),
        "broadcast_eta": ("eta",),
        "broadcast_status_sending": (),
        "broadcast_status_paused": (),
        "broadcast_status_cancelled": (),
        "broadcast_status_done": (),
        "broadcast_status_changed": (),
        "broadcast_pause": (),
        "broadcast_resume": (),
        "broadcast_stop": (),
        "broadcast_list_title": (),
        "broadcast_list_none": (),
        "broadcast_list_line": ("created", "status", "sent", "total"),
        "invite_choose": (),
        "invite_created": ("topic", "link"),
        "invite_none": (),
        "invite_list": (),
        "invite_revoke": ("topic", "created"),
        "invite_revoked": ("count",),
        "invite_gone": (),
        # --- research exports ---
        "export_choose_tier": (),
        "export_tier_tables": (),
        "export_tier_microdata": (),
        "export_choose_period": (),
        "export_period_month": (),
        "export_period_quarter": (),
        "export_working": (),
        "export_refused": ("reason",),
        # --- statistics (organizers) ---
        "stats_none": (),
        "stats_too_few": ("limit",),
        "stats_title": ("total",),
        "stats_small_note": ("limit",),
        "stats_covers": ("first", "last"),
        "stats_covers_one": ("month",),
        "stats_next": ("month", "date"),
        "stats_small": ("limit",),
        "stats_by_country": (),
        "stats_by_task": (),
        "stats_by_month": (),
        "stats_earlier": (),
        "stats_other_country": (),
        "stats_not_given": (),
        "stats_line": ("label", "count"),
        "stats_line_share": ("label", "count", "percent"),
        "stats_withheld": (),
        "stats_pay_title": (),
        "stats_pay_note": (),
        "stats_reports": ("count",),
        "stats_minimum": ("minimum", "period", "hourly"),
        "stats_below": (),
        "stats_not_below": (),
        "stats_unknown": (),
        "stats_not_compared": ("countries", "limit"),
        "stats_medians_title": ("limit",),
        "stats_median_line": ("unit", "band"),
        "stats_no_medians": ("limit",),
        "stats_band": ("low", "high", "currency"),
        "stats_band_top": ("low", "currency"),
        "stats_unit_hour": (),
        "stats_unit_day": (),
        "stats_unit_week": (),
        "stats_unit_month": (),
        "stats_unit_task": (),
        "stats_chart_countries": (),
        "stats_chart_below": (),
        "stats_chart_note": ("limit",),
        "stats_chart_caption": (),
        "review_waiting": ("count",),
        "review_help": (),
        "review_release": (),
        "review_edit": (),
        "review_delete": (),
        "review_skip": (),
        "review_edit_prompt": (),
        "review_edited": (),
        "review_release_edited": (),
        "review_edit_again": (),
        "review_delete_confirm": (),
        "review_delete_yes": (),
        "review_released": (),
        "review_deleted": (),
        "review_skipped": (),
        "review_gone": (),
        "review_empty": (),
        "review_too_long": ("limit",),
        "texts_none": ("limit",),
        "texts_pick": ("limit",),
        "texts_month": ("month", "count"),
        "texts_title": ("month",),
        "texts_note": (),
        "texts_withheld": ("limit",),
        "texts_caption": ("month",),
        "texts_gone": (),
    }.items()
}

# Actions a page's button may trigger besides opening another page.
ACTIONS = frozenset({"language", "country", "platform", "fairpay", "letter", "report", "updates"})

PAGE_KEYS = frozenset({"buttons", "by_country", "by_platform"})
PAGE_TEXT_KEYS = frozenset({"title", "body", "button"})
REQUIRED_PAGE_TEXT_KEYS = frozenset({"title", "body"})
HOME_PAGE = "main"
CRISIS_PAGE = "helplines"  # one tap from the crisis answer: every helpline of the country
CRISIS_DIRECTORY = "intl_find_a_helpline"  # the fact: a global directory of verified helplines
LANGUAGE_KEYS = frozenset({"fallback"})  # content/<lang>/language.yaml
# A partial language needs these in its own words before it is offered in the language menu.
OWN_BEFORE_OFFERED = ("fallback_note",)
CRISIS_FIRST_CHARS = 600  # the crisis answer's first message, as the user sees it
DEFAULT_COUNTRY_KEY = "default"  # in by_country: the page for "another country"
OTHER_COUNTRY = "XX"  # the country code of "another country": no ISO code is assigned to XX
OTHER_PLATFORM = "other"  # the platform id of "another platform"
PLATFORM_KEYS = frozenset({"name"})  # content/platforms.yaml
PLATFORM_ID_CHARS = 12  # at most: a platform id travels in button data
PLATFORM_ID = re.compile(rf"[a-z][a-z0-9]{{0,{PLATFORM_ID_CHARS - 1}}}")

FACT_KINDS = frozenset({"text", "number", "money", "phone", "url", "date"})
# checked: the day a person verified the fact against its source; published: the source's own
# date when it shows one (a day, or only "YYYY-MM" / "YYYY"), never the day it was read.
FACT_KEYS = frozenset(
    {
        "kind",
        "value",
        "currency",
        "per",
        "source",
        "source_name",
        "checked",
        "published",
        "confirmed",
        "note",
        "differs_from",  # another fact with the same kind, value and source that means something else
    }
)
WAGE_PERIODS = frozenset({"hour", "day", "week", "month"})  # `per` of a money fact
REQUIRED_FACT_KEYS = frozenset({"kind", "value", "source", "checked"})
# minimum_wages: a list of {page, wage, hours}, the references the fair-pay check compares with:
# wage a money fact with `per`, hours a number fact, the legal hours that period covers (both or
# neither: neither means no figure is known, and the page says where to ask). The first with a
# figure is also what published pay figures (/stats, exports) compare with.
# checklist: a page whose last screen lists the papers to bring, appended to the letter
# (DEFAULT_CHECKLIST for another country).
COUNTRY_KEYS = frozenset({"currency", "timezone", "emergency", "crisis_line", "minimum_wages", "checklist"})
WAGE_REFERENCE_KEYS = frozenset({"page", "wage", "hours"})
DEFAULT_CHECKLIST = "griev_intl_deadlines"
TOPIC_KEYS = frozenset({"invite_only"})
TOPIC_UI_PREFIX = "topic_"  # each topic's name is the ui key topic_<id>

# Telegram's limits (Bot API sendMessage and InlineKeyboardButton).
MAX_MESSAGE_CHARS = 4096
# ui keys Telegram holds to a shorter length than a message: the bot's profile texts and the
# command menu's descriptions.
UI_MAX_CHARS = {
    "bot_description": 512,
    "bot_short_description": 120,
    **{f"command_{name}": 256 for name in ("menu", "language", "help", "privacy", "exit", "forget")},
}
MAX_CALLBACK_BYTES = 64
# A screen's body aims at this size so it reads on a phone without scrolling far.
SCREEN_CHARS = 900
# No screen, sources included, shows more than this many characters (as the user sees them:
# tags and link URLs do not count, entities count as one). The content check enforces it.
MAX_SCREEN_CHARS = 1000

SURVEY_KINDS = frozenset({"choice", "country", "number", "text"})
SURVEY_QUESTION_KEYS = frozenset({"id", "kind", "options", "optional", "min", "max", "max_length", "after"})
SURVEY_PLACEHOLDERS = {"number": frozenset({"currency"})}  # by question kind
