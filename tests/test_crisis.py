"""Words about suicide or self-harm are recognised in whatever language they are written,
whatever language the worker chose in the bot; ordinary talk with look-alike words is not."""

import pytest

from bot.guide.check import ContentError, load_navigator
from bot.guide.crisis import CrisisDetector, normalize, spelling_variants
from tests.conftest import Chatter

# What workers write, by the list (content/crisis/<code>.yaml) that should recognise it.
DISTRESS = [
    ("en", "I want to end my life"),
    ("en", "i dont want to live anymore"),
    ("fr", "j'ai envie de mourir"),
    ("sw", "nataka kujiua"),
    ("sw", "nitajikill tu"),
    ("es", "quiero morir"),
    ("es", "Ya no quiero vivir más, me quiero matar"),
    ("es", "me voy a pegar un tiro"),
    ("ar", "bghit nmout"),
    ("ar", "ana bghit nmout"),
    ("ar", "bghit nqtel rasi"),
    ("ar", "wallah bghiiit n9tel rassi"),
    ("ar", "بغيت نموت"),
    ("ar", "أُرِيدُ أَنْ أَمُـــوتَ"),
    ("ar", "اريد ان اقتل نفسي"),
    ("mg", "te-hamono tena aho"),
    ("mg", "te ho faty aho"),
    ("mg", "tsy te hiaina intsony aho"),
    ("hi", "mar jaana chahta hoon"),
    ("hi", "main marna chahta hoon"),
    ("hi", "khudkushi"),
    ("hi", "aatmhatya kar lunga"),
    ("hi", "मैं मरना चाहता हूँ"),
    ("hi", "ख़ुदकुशी"),
    ("hi", "अब जीना नहीं चाहता"),
    ("tl", "magpapakamatay ako"),
    ("tl", "gusto ko nang mamatay"),
    ("tl", "papatayin ko sarili ko"),
    ("tl", "ayoko na mabuhay"),
]

ORDINARY = [
    "this deadline is killing me",
    "I'm dead tired",
    "je suis mort de fatigue",
    "nakufa kwa uchovu",
    "hii job inanikill",
    "me muero de risa",
    "me mata este trabajo",
    "mi jefe me va a matar si llego tarde",
    "ghadi nmout b da7k",
    "had lkhedma qtlatni",
    "ma bghitch n3ich f lmdina",
    "أموت من الضحك",
    "maty noana aho",
    "maty ny bateria",
    "mar gaya yaar kaam se",
    "ye kaam mujhe maar dalega",
    "गर्मी से मर रहा हूँ",
    "patay na ako sa pagod",
    "patayin mo na yung ilaw",
    "papatayin ako ng boss ko pag late ako",
]


def test_there_is_a_list_for_every_language_of_the_issue_whatever_the_interface(navigator):
    assert set(navigator.content.crisis) == {"en", "fr", "sw", "es", "ar", "mg", "hi", "tl"}
    assert not {"mg", "hi", "tl"} & set(navigator.content.languages)  # no interface in them


@pytest.mark.parametrize("code, text", DISTRESS)
def test_distress_is_recognised_and_its_language_named(navigator, code, text):
    assert navigator.crisis(text)
    assert code in navigator.crisis.languages(text)


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_talk_raises_no_alarm_in_any_language(navigator, text):
    assert not navigator.crisis(text)
    assert navigator.crisis.languages(text) == ()


def test_a_message_mixing_languages_names_each():
    detector = CrisisDetector({"en": ["want to die"], "ar": ["bghit nmout"], "tl": ["magpakamatay"]})
    assert detector.languages("bghit nmout, I want to die") == ("ar", "en")
    assert detector.languages("nothing here") == ()


def test_arabic_script_is_folded():
    detector = CrisisDetector({"ar": ["أريد أن أموت", "حياة بلا معنى"]})
    for text in ("اريد ان اموت", "أُرِيدُ أَنْ أَمُوتَ", "أريـــد أن أمـوت", "إريد آن أموت!!", "حياه بلا معني"):
        assert detector(text), text
    assert not detector("أريد أن أمولت")


def test_devanagari_words_keep_their_vowel_signs_and_match_whole():
    assert normalize("मैं मरना चाहता हूँ।") == normalize("मैं  मरना, चाहता हूं")
    assert len(normalize("मैं मरना चाहता हूँ").split()) == 4
    detector = CrisisDetector({"hi": ["मर"]})
    assert detector("वो मर.") and detector("मर!")
    assert not detector("मरना") and not detector("समर") and not detector("मार")


def test_every_phrase_is_tried_as_people_type_it():
    variants = spelling_variants("gusto ko nang mamatay")
    assert "GUSTO KO NANG MAMATAY!!!" in variants and "gustooo kooo nanggg mamatayyy" in variants
    assert any("\u0640" in v for v in spelling_variants("بغيت نموت"))


# The content check, both directions, across every list at once ---------------------------


def problems(root) -> list[str]:
    with pytest.raises(ContentError) as error:
        load_navigator(root)
    return [str(p) for p in error.value.problems]


def test_a_phrase_of_one_language_firing_on_ordinary_talk_of_another_is_refused(content_copy):
    path = content_copy / "crisis/es.yaml"
    path.write_text(path.read_text().replace("phrases:\n", "phrases:\n  - maty\n", 1))
    found = problems(content_copy)
    assert any(
        p.startswith("content/crisis/mg.yaml:") and "'maty noana aho' would raise a crisis alarm (a phrase of es" in p
        for p in found
    )


def test_a_phrase_that_cannot_match_is_refused(content_copy):
    path = content_copy / "crisis/hi.yaml"
    path.write_text(path.read_text().replace("phrases:\n", "phrases:\n  - '!!!'\n", 1))
    assert any(
        p.startswith("content/crisis/hi.yaml:") and "phrase '!!!' does not match" in p for p in problems(content_copy)
    )


def test_an_interface_language_needs_its_crisis_list_and_a_list_needs_a_language(content_copy):
    (content_copy / "crisis/sw.yaml").unlink()
    (content_copy / "crisis/zz.yaml").write_text("phrases: [zzz]\n")
    found = problems(content_copy)
    assert "content/crisis/sw.yaml:1: the interface speaks 'sw' but has no crisis phrases in it" in found
    assert any(p.startswith("content/crisis/zz.yaml:1:") and "not a language babel knows" in p for p in found)


# End to end, through the sandbox: the answer is the helplines screen, in the bot's language -----


@pytest.mark.parametrize(
    "app_language, text, answered_in",
    [
        ("fr", "bghit nmout", "ar"),  # Darija: Haki speaks Arabic, so the answer is in Arabic
        ("fr", "te-hamono tena aho", "fr"),  # Malagasy: no interface yet, the app's language
        ("en", "gusto ko nang mamatay", "en"),
        ("sw", "मैं मरना चाहता हूँ", "sw"),
        ("en", "quiero morir", "es"),
    ],
)
async def test_distress_from_someone_who_chose_no_language_is_answered_in_the_language_written(
    haki, app_language, text, answered_in
):
    person = Chatter(haki, 1200 + len(text), language_code=app_language)
    reply = await person.say(text)
    first_line = haki.navigator.content.languages[answered_in].ui["crisis_automated"]
    assert reply.text.split("\n")[0] == first_line
    assert len(person.user.bot_messages) == 1


@pytest.mark.parametrize("chosen, text", [("fr", "bghit nmout"), ("sw", "quiero morir"), ("en", "je veux mourir")])
async def test_distress_from_someone_who_chose_a_language_is_answered_in_theirs(haki, chosen, text):
    person = Chatter(haki, 1400 + len(text), language_code="en")
    await haki.app.bot_data["haki"].preferences.update(person.user.id, language=chosen)
    reply = await person.say(text)
    assert reply.text.split("\n")[0] == haki.navigator.content.languages[chosen].ui["crisis_automated"]
    assert len(person.user.bot_messages) == 1


@pytest.mark.parametrize("text", ["me muero de risa", "ghadi nmout b da7k", "mar gaya yaar kaam se"])
async def test_ordinary_talk_in_another_language_gets_the_usual_answer(haki, text):
    person = Chatter(haki, 1300 + len(text), language_code="fr")
    reply = await person.say(text)
    assert reply.text.startswith(haki.navigator.content.languages["fr"].ui["unknown_text"])
    assert haki.navigator.content.languages["fr"].ui["crisis_automated"] not in reply.text
