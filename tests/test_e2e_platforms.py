""" "My platform", end to end: chosen once from pay or grievance, remembered like the country
(across a restart too), changed from the platform's own page, and forgotten with /forget."""

import contextlib
import sqlite3

from app.offline import OfflineBot
from tests.conftest import Chatter

WORKER = 4_321
KEY = b"k" * 32  # the deployment's secret: the same across a restart, as in production


def page(bot, page_id: str, code: str = "en"):
    return bot.navigator.content.languages[code].pages[page_id]


def ui(bot, key: str, code: str = "en") -> str:
    return bot.navigator.content.languages[code].ui[key]


def stored_platforms(data_dir) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(data_dir / "haki.sqlite3")) as db:
        return db.execute("SELECT user_key, country, platform FROM preferences").fetchall()


async def test_the_platform_is_asked_once_then_every_platform_button_opens_its_page(navigator, tmp_path):
    data = tmp_path / "data"
    async with OfflineBot(navigator, data_dir=data, secret_key=KEY) as bot:
        worker = Chatter(bot, WORKER)
        menu = await worker.say("/start")
        pay = await worker.press(page(bot, "pay").button, menu)
        pay = await worker.press("Kenya", pay)  # the country is asked first, as always
        picker = await worker.press(page(bot, "platform").button, pay)
        assert picker.text == ui(bot, "platform_prompt")
        assert "Appen" in worker.labels(picker) and ui(bot, "platform_other") in worker.labels(picker)

        appen = await worker.press("Appen", picker)
        assert appen.text.startswith(page(bot, "plat_appen").title)
        assert bot.sandbox.calls("answerCallbackQuery")[-1].params.get("text") == "Platform: Appen"
        assert "🧩 Platform: Appen" in worker.labels(appen)

        # From the grievance pages, the same button now opens Appen's page at once.
        menu = await worker.say("/menu")
        grievance = await worker.press(page(bot, "grievance").button, menu)
        again = await worker.press(page(bot, "platform").button, grievance)
        assert again.text.startswith(page(bot, "plat_appen").title)

    # Remembered in the database, under the pseudonym only, across a restart.
    (key, country, platform), *others = stored_platforms(data)
    assert not others and (country, platform) == ("KE", "appen")
    assert str(WORKER).encode() not in key and len(key) == 32

    async with OfflineBot(navigator, data_dir=data, secret_key=KEY) as bot:
        worker = Chatter(bot, WORKER)
        menu = await worker.say("/start")
        grievance = await worker.press(page(bot, "grievance").button, menu)
        appen = await worker.press(page(bot, "platform").button, grievance)
        assert appen.text.startswith(page(bot, "plat_appen").title)

        # Changing it on the platform's own page shows the new platform's page, not Appen's again.
        picker = await worker.press("🧩 Platform: Appen", appen)
        other = await worker.press(ui(bot, "platform_other"), picker)
        assert other.text.startswith(page(bot, "plat_other").title)
        assert stored_platforms(data)[0][2] == "other"

        # /forget deletes the choice: the platform is asked again.
        await worker.say("/forget")
        assert stored_platforms(data) == []
        menu = await worker.say("/start")
        pay = await worker.press(page(bot, "pay").button, menu)
        pay = await worker.press("Kenya", pay)
        asked = await worker.press(page(bot, "platform").button, pay)
        assert asked.text == ui(bot, "platform_prompt")


async def test_every_platform_has_its_page_and_the_list_does_not_change_the_choice(haki):
    worker = Chatter(haki, WORKER + 1, language_code="sw")
    menu = await worker.say("/start")
    grievance = await worker.press(page(haki, "grievance", "sw").button, menu)
    grievance = await worker.press("Kenya", grievance)
    picker = await worker.press(page(haki, "platform", "sw").button, grievance)
    assert picker.text == ui(haki, "platform_prompt", "sw")
    platforms = haki.navigator.content.platforms
    assert [p.name for p in platforms.values()] == worker.labels(picker)[: len(platforms)]

    toloka = await worker.press("Toloka", picker)
    everything = await worker.press(page(haki, "plat_all", "sw").button, toloka)
    for pid in platforms:
        shown = await worker.press(page(haki, f"plat_{pid}", "sw").button, everything)
        assert shown.text.startswith(page(haki, f"plat_{pid}", "sw").title)
        everything = await worker.press(ui(haki, "button_back", "sw"), shown)
    assert stored_platforms(haki.data_dir)[0][2] == "toloka"  # browsing the list chose nothing
