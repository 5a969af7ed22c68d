"""Remove personal identifiers from a worker's free text before it is stored.

The employer is the adversary: a phone number, a staff ID, an M-Pesa code or a supervisor's
name in a complaint can point back to the one person who wrote it. Rules and
phonenumbers(lite) only, no model, so it runs offline and fast inside the bot. Each layer
replaces what it finds with a neutral marker ("[phone]", "[email]", "[link]", "[handle]",
"[date]", "[id]", "[code]", "[name]"). When in doubt a layer removes: a lost word costs less
than a leak. Pay, hours and durations are kept, because the report is about them.

Known misses (kept visible as xfail cases in tests/test_scrub.py): numbers spelled out in
words, names with no cue before them (also "Dennis - 0712…", "mimi ni mama Wanjiru"),
"john dot m at gmail dot com", digits written with look-alike letters, M-Pesa codes with a
single digit typed in lower case, and self-describing details ("the only QA lead on the night
shift").
The free-text prompt asks people not to write these; a reviewer reads the text before any
release.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import phonenumbers
from phonenumbers import Leniency, PhoneNumberMatcher

REGIONS = ("KE", "UG", "TZ", "MG", "MA", "PH", "IN", "VE")


def scrub(text: str, country: str | None = None) -> str:
    """The text with identifiers replaced by markers; `country` (ISO code) is tried first for phones."""
    # The order matters: an email holds an @ and a domain; dashed + numbers look like dates;
    # the phone matcher reads some dates as phones; a code swallows the digits inside it.
    text = _normalise(text)
    text = _EMAIL.sub("[email]", text)
    text = _URL.sub("[link]", text)
    text = _HANDLE.sub("[handle]", text)
    text = _SOCIAL.sub(_social, text)
    text = _INTERNATIONAL.sub("[phone]", text)
    text = _DATE.sub("[date]", text)
    text = _phones(text, _regions(country))
    text = _CODE.sub(lambda m: "[code]" if _is_code(m[0]) else m[0], text)
    text = _DIGIT_RUN.sub(_digit_run, text)
    text = _ID_CUE.sub(_cued_id, text)
    text = _NAME_BY_PHONE.sub(_name_by_phone, text)
    return _names(text)


def _normalise(text: str) -> str:
    # NFKC folds full-width and styled characters ("０７１２", "𝟎𝟕") to ASCII; other scripts'
    # digits (Arabic-Indic, Devanagari) and invisible format characters that could split
    # a number are handled by hand.
    text = unicodedata.normalize("NFKC", text)
    if not text.isascii():
        text = "".join(
            str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in text if unicodedata.category(ch) != "Cf"
        )
    # An underscore between digits ("0712_345_678") is read as the hyphen it stands for.
    return _DIGIT_UNDERSCORE.sub("-", text)


_DIGIT_UNDERSCORE = re.compile(r"(?<=[0-9])_(?=[0-9])")


# With spaces around the @ or no dot after it, the part before it must hold a letter, so that
# "8 @ 500 KES" stays a price. It is taken whole from its start (a lookahead for the letter, not
# a letter between two stars) so a long word costs linear time, not cubic.
_LOCAL = r"(?<![\w.+-])(?=[\w.+-]*[^\W\d_])[\w.+-]+"
_EMAIL = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    rf"|{_LOCAL}[ ]?@[ ]?(?:(?:[\w-]+\.)+[^\W\d_]{{2,}}|gmail|yahoo|hotmail|outlook|icloud|ymail|proton(?:mail)?)\b"
    rf"|{_LOCAL}@[^\W\d_][\w-]*"  # amina@gmail
    r"|[\w.+-]+[ ]?[\[(]at[\])][ ]?[\w-]+(?:[ ]?(?:[\[(]dot[\])]|\.)[ ]?[\w-]+)+",  # john(at)gmail(dot)com
    re.IGNORECASE,
)

# Bare domains are matched only with a known top-level domain typed all in one case, so a
# missing space after a full stop ("fired.In May") is not taken for a link.
_TLDS = (
    "com org net info biz io co ai app dev me ly gl gg to xyz site online tech edu gov "
    "ke ug tz mg ma ph in ve uk fr us ng za rw"
)
_TLD = "|".join([*_TLDS.split(), *_TLDS.upper().split()])
_URL_END = r"[^\s.,;:!?)\]}'\"»]"
_URL = re.compile(
    rf"\b(?:(?:https?|ftp)://|www\.)\S*{_URL_END}"
    rf"|\b(?:[a-z0-9-]+\.)+(?-i:{_TLD})\b(?:/(?:\S*{_URL_END})?)?",  # t.me/x, wa.me/254…, example.com/path
    re.IGNORECASE,
)

_WORD = r"[^\W\d_]+(?:['’-][^\W\d_]+)*"
_HANDLE = re.compile(r"(?<![\w@])@[^\W\d](?:[\w.]*\w)?")  # not "@8am"

# A handle written without its @ is known by the platform named next to it: "amina_w on
# tiktok", "insta: amina.w", "tiktok yangu ni amina_w". A plain word counts only after a
# colon or after "my/mon … is/c'est/ni", so "we work on TikTok videos" stays.
_PLATFORM = r"tik ?tok|instagram|insta|ig|facebook|fb|twitter|snapchat|snap|telegram|linkedin|youtube|threads|discord"
_HANDLE_LIKE = r"[^\W\d_][\w.]*[_.0-9][\w.]*[^\W_]"  # amina_w, amina.w, kevo254
_SOCIAL = re.compile(
    rf"(?<![\w@.])(?P<before>{_HANDLE_LIKE})(?= (?:on|sur|kwa|kwenye|en) (?:{_PLATFORM})(?!\w))"
    rf"|(?P<mine>\b(?:my|mon|ma|mi|our) )?(?<![\w.])(?:{_PLATFORM})(?![\w.])"
    r"(?P<link>(?: ?:| (?:yangu|yetu|ni|is|c['’]est|est|es|handle|account|username|name))*) ?"
    rf"(?P<handle>{_HANDLE_LIKE}|{_WORD})",
    re.IGNORECASE,
)


def _social(match: re.Match[str]) -> str:
    if match["before"]:
        return "[handle]"
    handle = match["handle"]
    link = match["link"] or ""
    owned = match["mine"] or re.search(r"y(?:angu|etu)", link)
    said = ":" in link or bool(owned and re.search(r"\b(?:is|ni|est|es)\b", link))
    if re.fullmatch(_HANDLE_LIKE, handle) or (said and not _ordinary(handle)):
        return match[0][: match.start("handle") - match.start()] + "[handle]"
    return match[0]


_MONTH = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
    "|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec"
    "|janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[ûu]t|septembre|octobre|novembre|d[ée]cembre"
    "|januari|februari|machi|aprili|mei|juni|julai|agosti|septemba|oktoba|novemba|desemba"
    "|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre"
    "|pebrero|marso|hunyo|hulyo|setyembre|oktubre|nobyembre|disyembre"
)
_D = r"(?:[12][0-9]|3[01]|0?[1-9])"
_DAY = rf"{_D}(?:st|nd|rd|th|er|e)?"
_YEAR = r"(?:[0-9]{4}|'[0-9]{2})"
# Day-level dates only: a month and year ("March 2024") says little about who wrote it.
# Numeric dates use one separator throughout (not "8.30-17.30") and stand alone, so that
# pieces of "06-12-12-12-12" are left whole for the phone matcher.
_DATE = re.compile(
    rf"(?<![0-9])(?<![0-9][/.-])(?:{_D}([/.-]){_D}\1(?:[0-9]{{4}}|[0-9]{{2}})"
    rf"|[0-9]{{4}}([/.-]){_D}\2{_D})(?![0-9])(?![/.-][0-9])"
    rf"|\b{_DAY}[ ]+(?:de[ ]+)?(?:{_MONTH})\b\.?(?:,?[ ]+(?:de[ ]+)?{_YEAR}\b)?"
    rf"|\b(?:{_MONTH})\b\.?[ ]+{_DAY}\b(?:,?[ ]+{_YEAR}\b)?"
    rf"|(?<=tarehe ){_DAY}\b",  # Swahili "tarehe 12": the 12th
    re.IGNORECASE,
)

_INTERNATIONAL = re.compile(r"\+[ ]?[0-9](?:[ .()-]{0,2}[0-9]){6,14}")  # valid or not

# National IDs, bank and M-Pesa account numbers, and phones the matcher does not know.
_DIGIT_RUN = re.compile(r"(?<![0-9])[0-9](?:[ .()-]{0,2}[0-9]){6,}(?![0-9])")

_CURRENCY = (
    r"kes|kshs?|k\.sh|shs?|shillings?|shilingi|bob|ugx|tzs|tsh|ar|ariary|mga|mad|dirhams?|dhs?"
    r"|php|pesos?|piso|inr|rs|rupees?|ves|bs\.?s?|bol[íi]var(?:es)?|usd|us\$|\$|eur|euros?|€|₱|₹|dollars?|d[óo]lares|dola"
)
_CURRENCY_BEFORE = re.compile(rf"(?<![^\W\d_])(?:{_CURRENCY})\.?[ ]?\Z", re.IGNORECASE)
_CURRENCY_AFTER = re.compile(
    rf"(?:[.,][0-9]{{1,2}})?[ ]?(?:/=|(?:(?:kenyan?|ugandan?|tanzanian?|malagasy|moroccan|philippine|indian|us)[ ])?"
    rf"(?:{_CURRENCY})(?![^\W\d_]))",
    re.IGNORECASE,
)
# An amount has no leading zero and is either short or grouped by thousands ("1 500 000").
_AMOUNT = re.compile(r"(?:[1-9][0-9]{0,6}|[1-9][0-9]{0,2}(?:[ .][0-9]{3})+)(?:[.,][0-9]{1,2})?")
# Hours and years, not identifiers: "8.30-17.30", "2023-2024".
_RANGE = re.compile(
    r"[0-2]?[0-9]\.[0-5][0-9][ ]?-[ ]?[0-2]?[0-9]\.[0-5][0-9]|(?:19|20)[0-9]{2}[ ]?-[ ]?(?:19|20)[0-9]{2}"
)


def _is_pay(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is a pay figure, or a range of two, written next to a currency."""
    parts = text[start:end].split("-")
    if len(parts) > 2 or not all(_AMOUNT.fullmatch(part.strip()) for part in parts):
        return False
    return bool(_CURRENCY_BEFORE.search(text, max(0, start - 12), start) or _CURRENCY_AFTER.match(text, end))


def _is_figure(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is an hours or years range, or pay."""
    return bool(_RANGE.fullmatch(text, start, end)) or _is_pay(text, start, end)


def _digit_run(match: re.Match[str]) -> str:
    return match[0] if _is_figure(match.string, match.start(), match.end()) else "[id]"


def _cued_id(match: re.Match[str]) -> str:
    if _is_pay(match.string, match.start(1), match.end(1)) or _UNIT_AFTER.match(match.string, match.end(1)):
        return match[0]
    return match.string[match.start() : match.start(1)] + "[id]"


def _regions(country: str | None) -> tuple[str, ...]:
    first = (country or "").upper()
    extra = (first,) if first in phonenumbers.SUPPORTED_REGIONS else ()
    return tuple(dict.fromkeys((*extra, *REGIONS)))


def _phones(text: str, regions: Iterable[str]) -> str:
    # A match is widened to the run of digits around it: the matcher may read part of a
    # longer ID number as a phone, and the rest must not be left behind.
    runs = [(run.start(), run.end()) for run in _DIGIT_RUN.finditer(text)]
    spans: list[tuple[int, int]] = []
    for region in regions:  # earlier regions win where readings overlap
        for match in PhoneNumberMatcher(text, region, leniency=Leniency.VALID):
            start, end = match.start, match.end
            for run_start, run_end in runs:
                if run_start < end and start < run_end:
                    start, end = min(start, run_start), max(end, run_end)
            overlaps = any(start < span_end and span_start < end for span_start, span_end in spans)
            if not overlaps and not _is_figure(text, start, end):
                spans.append((start, end))
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + "[phone]" + text[end:]
    return text


# Short staff numbers only give themselves away by what precedes them ("badge 4471", "my staff
# number is 204518", "namba yangu ya kazi ni 204518").
_ID_CUE = re.compile(
    r"(?<!\w)(?:id|badge|matricule|num[ée]ro|nambari|namba|till|paybill|account|acc(?:t|ount)?|a/c|compte|akaunti"
    r"|(?:employee|worker|staff|agent)[ ]?(?:id|no\.?|number|#)|#)(?![^\W\d_])"
    r"(?:[ ](?:yangu|yake|ya[ ](?:kazi|mfanyakazi|staff|akaunti)))*"
    r"[ ]?(?:no\.?|number|#)?(?:[ ](?:is|was|est|ni|es|c['’]est))?"
    r"[ ]?[:#.]?[ ]?((?=[A-Za-z-]*[0-9])[A-Za-z0-9][A-Za-z0-9-]*)",
    re.IGNORECASE,
)

_CODE = re.compile(r"(?<![\w-])[A-Za-z0-9]+(?:[-_][A-Za-z0-9]+)*(?![\w-])")
_UNITS = (
    r"am|pm|h|hrs?|hours?|mins?|minutes?|secs?|s|days?|d|wks?|weeks?|months?|mo|yrs?|years?"
    r"|k|m|x|st|nd|rd|th|er|e|jours?|heures?|mois|ans?|semaines?"
)
# Parts of a token that are not identifiers: words, small numbers, "500KES", "KSh1500",
# "8am", "12hours", "2nd", "8h30". Short currencies go in front only with a space: "AR204518"
# and "RS12345" look like staff numbers.
_HARMLESS = re.compile(
    rf"[A-Za-z]+|[0-9]{{1,3}}|[0-9]{{1,4}}(?:{_UNITS})|[1-9][0-9]{{0,6}}(?:{_CURRENCY})"
    rf"|(?:kes|kshs?|ugx|tzs|tsh|mga|php|inr|usd|eur|ves)[1-9][0-9]{{0,6}}|[0-9]{{1,2}}h[0-9]{{2}}",
    re.IGNORECASE,
)
# A cue word with a count after it is not an ID: "the account was 3 months late".
_UNIT_AFTER = re.compile(rf"[ ]?(?:{_UNITS}|%|masaa|saa|siku|wiki|miezi|miaka)(?![^\W\d_])", re.IGNORECASE)


def _is_code(token: str) -> bool:
    """M-Pesa codes (QJK4XY12ZP, SBK7TQWERT), worker IDs (A1B2C3D4, WK-204518), badge numbers."""
    alnum = token.replace("-", "").replace("_", "")
    digits = sum(ch.isdigit() for ch in alnum)
    # An M-Pesa code is 10 capitals and digits and may hold a single digit ("QJKXYZ1ABC");
    # capital words ("IMPORTANTE") hold none.
    mpesa = len(alnum) == 10 and alnum.isalnum() and alnum.isupper()
    if len(alnum) < 6 or digits < (1 if mpesa else 2) or digits == len(alnum):
        return False
    return not all(_HARMLESS.fullmatch(part) for part in re.split(r"[-_]", token))


_NAME_WORD = re.compile(rf"[ \t]*({_WORD})")
_NAME_CUE = re.compile(
    r"(?<![\w.])(?:"
    # Self-identification and naming verbs; what follows is a name whatever its case
    # ("naitwa amina", "jina la msimamizi ni juma", "he is called john").
    r"(?P<self>name(?: is| was|['’]s)|call me|(?:is|was|are) (?:called|named)|[jms]['’]appelle|mon nom est"
    r"|jina(?: la(?: [^\W\d_]+){1,2} ni| l(?:angu|ake|ao|etu)(?: ni)?)?|(?:ni|a|wa)naitwa|naitwa|aliitwa"
    r"|(?:ang )?pangalan ko(?: ay)?|ako(?: po)? si|me llamo|se llama|(?:mi|su) nombre es)(?!\w)"
    # Titles; a name follows, its first word perhaps in lower case ("mr otieno").
    r"|(?P<title>(?:mrs|mr|dr|prof|mme|mlle|(?-i:Ms|Bw|Bi|Sra|Srta|Sr))(?:\.|(?!\w))|(?-i:M\.))"
    # Saying who one is: a name in any case, but not an ordinary word ("i'm tired", "mimi ni mfanyakazi").
    r"|(?P<weak>i am|i['’]?m|je suis|moi c['’]est|mimi ni|ni mimi|soy)(?!\w)"
    # Roles, perhaps with "is": only capitalised words count ("the supervisor is very rude" stays).
    r"|(?P<role>(?:named|called|nomm[ée]e?|appel[ée]e?"
    r"|supervisor|superviseure?|supervisora|team ?lead(?:er)?|(?-i:TL)|manager|boss|bosi|chef d['’][ée]quipe"
    r"|chef|responsable|msimamizi|meneja|sir|ma['’]?am|madam|miss|bwana|jefe|jefa"
    r"|sent to|received from|paid to)"  # M-Pesa messages: "sent to JOHN OTIENO 0712…"
    r"(?:[ ](?:wetu|wangu|yetu|yangu|wenu))?(?:[ ](?:is|was|est|c['’]est|ni|es)(?! (?:called|named)))?)(?!\w)"
    r")[ \t]*[,:]?[ \t]*",
    re.IGNORECASE,
)
# Words that end a name: function words, pronouns, weekdays and months, nationalities, and
# titles, so that in "msimamizi wetu Bw. Juma" the title cue, not the role, takes the name.
_NOT_NAMES = frozenset(
    """a an the and or but so not no yes to of in on at by for from with about as is am are was were be
    i me my we our us you your he him his she her they them their it this that here there then now also
    still just very too ok okay sorry please if when again back later today tonight tomorrow working work
    monday tuesday wednesday thursday friday saturday sunday january february march april may june july
    august september october november december tue wed thu fri sat sun
    je j tu il elle on nous vous ils elles le la les l un une des du de d et ou mais donc pas ne à au aux
    en dans pour avec sur chez très aussi ici qui que c ce cet cette moi toi lui mon ma mes notre nos est
    suis sont travaille
    na ni wa ya za kwa katika kutoka mimi yeye sisi wao wewe hii huyu hapa pia lakini au si tu sana kazi
    nafanya ninafanya gani sijui
    ako ikaw siya kami tayo sila ang ng sa mga po din rin lang kasi pero
    y o el los las yo muy también
    kenyan kényan kényane mkenya ugandan ougandais ougandaise mganda tanzanian tanzanien tanzanienne
    mtanzania malagasy malgache moroccan marocain marocaine filipino filipina pinoy pinay philippin
    philippine indian indien indienne venezuelan vénézuélien vénézuélienne venezolano venezolana african
    africain africaine
    mr mrs ms dr prof m mme mlle bw bi sr sra srta sir madam miss bwana
    whatsapp telegram signal viber sms office ofisi bureau""".split()
)
# Why a stop-list: after "i'm" or "mimi ni" comes a name or an ordinary word, and names are
# often typed in lower case ("i'm amina"). A lower-case word is taken for a name unless it is
# a common word said of oneself (state, job, verb) in English, French, Swahili or Spanish; a
# name missing from here is lost, a common word missing from here is removed, which costs less.
_COMMON_WORDS = frozenset(
    """tired sick ill new ready sure afraid scared worried happy sad angry done fine good well only
    really always never currently literally quite over under home alone pregnant single married free busy
    late early paid unpaid underpaid overworked poor broke hungry stressed exhausted depressed bored
    frustrated disappointed confused concerned traumatised traumatized fired unemployed employed owed
    banned blocked closed private deleted suspended hacked
    one part member worker moderator annotator labeler labeller tagger employee contractor freelancer
    agent student graduate mother father parent woman man girl boy lady guy writing able unable gonna
    fatigué fatiguée malade nouveau nouvelle prêt prête sûr sûre désolé désolée payé payée mal
    épuisé épuisée stressé stressée licencié licenciée marié mariée enceinte seul seule obligé obligée
    modérateur modératrice annotateur annotatrice travailleur travailleuse employé employée étudiant
    étudiante mère père femme homme encore toujours juste vraiment déjà là sous-payé sous-payée
    content contente inquiet inquiète
    mchovu mgonjwa mpya tayari mfanyakazi mfanyikazi mwanamke mwanaume msichana mvulana mama baba mzazi
    mwanafunzi mmoja mzima mjamzito mke mume mtu kijana maskini mgeni mwajiriwa mhudumu msimamizi
    nimechoka nimechoshwa ninaandika naandika ninalipwa nalipwa sina nina bado
    cansado cansada enfermo enferma nuevo nueva trabajador trabajadora moderador moderadora madre padre
    mujer hombre""".split()
)


# A name next to a phone number: "call 0712 345 678 (Dennis)", "piga 0712345678 - Dennis",
# "WhatsApp Dennis 0712 345 678", "appelle Dennis au 034 12 345 67". Only capitalised words.
_NAME_BY_PHONE = re.compile(
    rf"(?P<after>\[(?:phone|id)\] ?(?:\( ?|[-–:] ?))(?P<a>{_WORD}(?: {_WORD})?)"
    rf"|(?P<cue>(?<!\w)(?:call|ring|text|sms|whatsapp|piga|mpigie|nipigie|mtumie|appelle[rz]?|llama|llamar) )"
    rf"(?P<b>{_WORD}(?: {_WORD})?)(?= ?(?:on|at|au|sur|kwa|al|:|-)? ?\[(?:phone|id)\])",
    re.IGNORECASE,
)


def _name_by_phone(match: re.Match[str]) -> str:
    words = (match["a"] or match["b"]).split(" ")
    kept = []
    for word in words:
        if not word[0].isupper() or word.lower() in _NOT_NAMES:
            break
        kept.append(word)
    if not kept:
        return match[0]
    prefix = match["after"] or match["cue"]
    return prefix + "[name]" + match[0][len(prefix) + len(" ".join(kept)) :]


def _ordinary(word: str) -> bool:
    """Whether a word after "i'm" or "mimi ni" is not a name ("-ing": "i'm working")."""
    lower = word.lower()
    if lower in _NOT_NAMES or lower in _COMMON_WORDS:
        return True
    return word.islower() and lower.endswith("ing")


def _names(text: str) -> str:
    pieces: list[str] = []
    last = 0
    for cue in _NAME_CUE.finditer(text):
        if cue.start() < last:
            continue
        end = _name_end(text, cue.end(), cue.lastgroup or "role")
        if end is not None:
            pieces += [text[last : cue.end()], "[name]"]
            last = end
    return "".join(pieces) + text[last:]


def _name_end(text: str, pos: int, cue: str) -> int | None:
    """Where a name of up to three words starting at pos ends; None when there is none."""
    end = None
    for index in range(3):
        match = _NAME_WORD.match(text, pos)
        if match is None or match[1].lower() in _NOT_NAMES:
            break
        word = match[1]
        if cue == "weak":
            named = not _ordinary(word)
        else:
            any_case = cue == "self" or (cue == "title" and index == 0)
            named = word[0].isupper() or any_case
        if not named:
            break
        end = pos = match.end()
    return end
