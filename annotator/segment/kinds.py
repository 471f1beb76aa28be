"""The kind of a unit: heading, boilerplate (page furniture: share bars, credits, bylines,
dates, menus, notices) or body.  Duplicates are found by the caller (units.py)."""

from __future__ import annotations

import re

from .veto import MONTH_WORDS, TIME_ZONES, WEEKDAYS
from .wordlists import words

# Headings are short single-unit lines without closing punctuation.
HEADING_MAX_WORDS = 16
HEADING_MAX_CHARS = 150

WORD_RE = re.compile(r"\w+")
_NO_WORD_RE = re.compile(r"^[\W_]+$")
# The whole line is one boilerplate unit: link lists and photo/caption prefixes.
BOILER_LINE_RE = re.compile(
    r"^(?:read\s+more|read\s+also|also\s+read|read\s+next|see\s+also|related(?:\s+(?:articles?|stories|news|content|coverage))?"
    r"|more\s+on\s+this(?:\s+story)?|recommended(?:\s+stories)?|you\s+may\s+also\s+like|most\s+read|most\s+popular"
    r"|top\s+stories|editor'?s\s+picks?|watch|listen|video|gallery|tags?|topics?"
    r"|(?:file\s+)?(?:photo(?:graph)?|image|picture|pic)s?(?:\s+(?:credit|source))?)\s*[:|>»]"
    r"|^(?:image|photo|media)\s+caption\s*[,:]",
    re.I,
)
# Whole-unit matches (after case folding and trimming trailing dots/colons).
_BOILER_EXACT_RE = re.compile(
    r"(?:advertisement|advertisment|advert|ad|ads|sponsored(?:\s+content)?|promoted(?:\s+content)?|paid\s+content"
    r"|loading|please\s+wait|read\s+more|read\s+full\s+(?:article|story)|more|continue\s+reading|keep\s+reading"
    r"|show\s+more|see\s+more|view\s+more|load\s+more|skip\s+to\s+(?:main\s+)?(?:content|navigation|search)"
    r"|skip\s+(?:ad|advertisement)|back\s+to\s+top|top|menu|close|search|share|share\s+(?:this|on|via)(?:\s+\w+){0,2}"
    r"|print|e-?mail|comments?|\d+\s+comments?|view\s+comments|save|bookmark|copy\s+link|link\s+copied|next|previous"
    r"|subscribe|subscribe\s+now|sign\s+in|log\s+in|sign\s+up|register|newsletter|live|breaking(?:\s+news)?"
    r"|listen(?:\s+to\s+(?:this\s+)?(?:article|story))?|watch|video|image|photo|gallery|media\s+caption|image\s+caption"
    r"|\d+\s+min(?:ute)?s?\s+read|reading\s+time:?\s*\d+\s+min(?:ute)?s?|follow|like|tweet|whatsapp|facebook|twitter|x|linkedin"
    r"|reuters\s+archive|file\s+photo|handout|getty\s+images|ap\s+photo"
    r"|related\s+topics|more\s+on\s+this\s+story|most\s+read|most\s+popular|next\s+article|previous\s+article"
    r"|scroll\s+to\s+continue|advertisement\s*[-–—:]?\s*scroll\s+to\s+continue(?:\s+with\s+content)?"
    r"|\d+\s+of\s+\d+|list\s+of\s+\d+\s+items|list\s+\d+\s+of\s+\d+|end\s+of\s+list)",
    re.I,
)
# A share bar: "Facebook Twitter WhatsApp Email".
_SHARE_WORDS = words("share_words")
# Prefix or anywhere in a short unit.
_BOILER_PREFIX_RE = re.compile(
    r"^(?:share\s+(?:this|on|via|the\s+(?:article|story))|follow\s+(?:us|@|on\s|our|the\s+latest)|subscribe\s+(?:to|now|for|today|here)"
    r"|sign\s+up\s+(?:for|to|now|here)|download\s+(?:the|our)\s+(?:\w+\s+)?app|get\s+(?:the|our)\s+(?:\w+\s+)?(?:app|newsletter)"
    r"|like\s+us\s+on|join\s+(?:us|our)\s+on|(?:story|article)\s+continues|continue\s+reading|skip\s+to|jump\s+to"
    r"|listen\s+to\s+(?:this\s+)?(?:article|story)"
    r"|©|\(c\)\s|copyright\s*(?:©|\(c\)|\d{4}\b|[:.]|$)|source\s*:|credit\s*:"
    r"|this\s+(?:article|story|report|piece)\s+(?:was|has\s+been|is\s+being)\s+(?:amended|updated|corrected|changed|edited)\b)",
    re.I,
)
# Staff credits ("Reporting by Jane Doe in Kyiv; Editing by John Roe") and bylines ("By Jana
# Kovel, Reuters"): only where names follow, not "Research by the university found ...".
_STAFF_CREDIT_RE = re.compile(
    r"^\(?(?:(?:additional\s+)?(?:reporting|writing|editing|compiled|research|graphics?|produced)\s+)?by\s", re.I)
# Time stamps ("Updated 3 hours ago", "Published: 24 November 2026"); only short
# units not ending like a sentence ("Updated figures show ..." is body text).
_TIMESTAMP_RE = re.compile(
    r"^(?:(?:last\s+)?updated|(?:first\s+)?published|posted|modified)\s*(?:on\b|at\b|:|\d)"
    r"|^\d+\s+(?:seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?)\s+ago$",
    re.I,
)
_BOILER_ANYWHERE_RE = re.compile(
    r"\bclick\s+here\b|\btap\s+here\b|\bwe\s+use\s+cookies\b|\b(?:this|our)\s+(?:web)?site\s+uses\s+cookies\b"
    r"|\baccept\s+(?:all\s+)?cookies\b|\bcookie\s+(?:settings|preferences|consent)\b|\ball\s+rights\s+reserved\b"
    r"|\bsubscribe\s+to\s+(?:our|the)\s+(?:\w+\s+)?newsletter\b|\bsign\s+up\s+for\s+(?:our|the)\s+(?:\w+\s+)?newsletter\b"
    r"|\bfollow\s+us\s+on\b|\bdownload\s+our\s+(?:\w+\s+)?app\b|\btrust\s+principles\b"
    r"|\b(?:enable|requires?)\s+javascript\b|\bjavascript\s+(?:is\s+)?(?:disabled|required)\b"
    r"|\byour\s+browser\s+does(?:n't|\s+not)\s+support\b|\bview\s+(?:this|the)\s+(?:video|content)\s+on\b"
    r"|\bcontributed\s+(?:to\s+)?(?:this\s+)?(?:report|story|article)(?:ing)?\b",
    re.I,
)
# Photo credits: "(Photo by Jane Doe/AFP via Getty Images)", "Image source, Reuters",
# "Photograph: John Doe/Reuters".
_CREDIT_PREFIX_RE = re.compile(
    r"^(?:file\s+)?(?:photo(?:graph)?|image|picture|pic|video|illustration|graphic|foto(?:grafia|grafie)?|fot|фото"
    r"|zdj[eę]cie|bild)s?(?:\s+(?:credit|source))?\s*(?:[:,/|–—-]|(?<=fot)\.|\s(?:by|courtesy)\b)",
    re.I,
)
# Case-sensitive on purpose: "AP" the agency, not the word "ap".
_AGENCY_RE = re.compile(
    r"\b(?:AFP|AP|EPA(?:-EFE)?|Reuters|REUTERS|Getty(?:\s+Images)?|Shutterstock|Anadolu(?:\s+Agency)?|Xinhua|TASS"
    r"|Sputnik|RIA\s+Novosti|dpa|DPA|Kyodo|Yonhap|Alamy|NurPhoto|SOPA(?:\s+Images)?|LightRocket|Bloomberg|UPI|ANSA"
    r"|PA(?:\s+(?:Media|Wire|Images))?|ZUMA|Zuma|WENN|iStock(?:photo)?|Pool|Handout|HANDOUT|EFE|PAP|ANP|ČTK|CTK"
    r"|ТАСС|РИА\s+Новости|Belga|APA|Keystone|Lusa|ANA|CMC|IANS|PTI|Bernama|Antara|KNA|Ritzau|NTB|TT)\b"
)
_CREDIT_GLUE = words("credit_glue")
# Words that may stand between the names of a credit or byline.
_NAME_GLUE = _CREDIT_GLUE | words("name_glue")
_NAME_WORD_RE = re.compile(r"(?<![@\w])[^\W\d_][\w'’.-]*")  # not inside an @handle
_PARTICLE_SPLIT_RE = re.compile(r"[-'’]")
_COPYRIGHT_HOLDER_RE = re.compile(r"copyright\s+", re.I)
# A cookie banner or legal notice: the rest of its line is boilerplate too.
NOTICE_RE = re.compile(
    r"©|\(c\)\s|copyright\s*(?:©|\(c\)|\d{4}\b)|\ball\s+rights\s+reserved\b|\bcookies?\b", re.I)
_CLOCK_WORDS = WEEKDAYS | TIME_ZONES | frozenset("am pm a m p t".split())
_DATE_WORDS = MONTH_WORDS | _CLOCK_WORDS | frozenset(
    "at on updated published posted modified last first".split())
_DIGIT_RE = re.compile(r"\d")
_DAY_SHAPE_RE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./]\d{1,2}[./]\d{2,4}")
_CLOCK_SHAPE_RE = re.compile(r"\d{1,2}[:.]\d{2}")
_NAV_SPLIT_RE = re.compile(r"\s*[|•›»·>]\s*")
_NAV_SPLIT_QUOTED_RE = re.compile(r"\s*[|•›·>]\s*")  # where « » are quotation marks
_BULLET_RE = re.compile(r"^(?:[•\-–—*·▪►◦‣⁃]\s?(?:\d{1,2}[.)]\s)?|(?:\d{1,2}|[a-z])(?:\.\)|[.)])\s)")  # list items
# Closing punctuation: the line is a sentence, not a heading.
_CLOSING_RE = re.compile(r"[.!?…。！？:;,][)\]\"'”’»]*$")
_EXACT_TRIM = " .…:!|·•-–—>»()[]"


def _name_like(word: str) -> bool:
    """Capitalised, or a particle before one: "al-Sudani", "d'Estaing"."""
    return word[0].isupper() or any(p[:1].isupper() for p in _PARTICLE_SPLIT_RE.split(word)[1:])


def _names_only(text: str) -> bool:
    """Capitalised words, initials and glue only: "Jane Doe/AFP via Getty Images"."""
    words = _NAME_WORD_RE.findall(text)
    return bool(words) and all(w.lower() in _NAME_GLUE or _name_like(w) for w in words)


def _is_byline(rest: str) -> bool:
    """What follows a bare "By": a person's name (two words or more) or an agency, not
    "By Air", "By The Numbers" or "By 2030"."""
    if _DIGIT_RE.search(rest) or not _names_only(rest):
        return False
    names = [w for w in _NAME_WORD_RE.findall(rest) if w.lower() not in _NAME_GLUE]
    return len(names) >= 2 or bool(_AGENCY_RE.search(rest))


def is_photo_credit(text: str) -> bool:
    """A picture's credit: "Photo: Jane Doe/AFP", "(AP Photo/John Roe)", "REUTERS/Jane Doe",
    "Foto: Oliver Berg/dpa", "Image source, Getty Images"; not a byline or staff credit."""
    core = text.strip("()[] .")
    if not core:
        return False
    if m := _CREDIT_PREFIX_RE.match(core):
        # "Photo: ..." always; "Photo by ..." only with names ("Photo by the ministry shows")
        return not m.group().rstrip().lower().endswith(("by", "courtesy")) or _names_only(core[m.end():])
    if _STAFF_CREDIT_RE.match(core) or _COPYRIGHT_HOLDER_RE.match(core):
        return False
    words = core.split()
    if len(words) > 6 or not _AGENCY_RE.search(core):
        return False
    # "Jane Doe/AFP via Getty Images", "Reuters Archive": capitalised words and glue
    # only; "Ministry tells Reuters" is a headline, not a credit.
    if not all(not w[0].isalpha() or w[0].isupper() or w.lower() in _CREDIT_GLUE for w in words):
        return False
    # Longer ones need a credit's shape: "Name/Agency" or "via", "Photo", "Archive".
    return len(words) <= 3 or "/" in core or any(w.lower() in _CREDIT_GLUE for w in words)


def _is_credit(text: str) -> bool:
    """A picture's credit, a byline or staff credit, or a copyright holder."""
    if is_photo_credit(text):
        return True
    core = text.strip("()[] .")
    if (m := _STAFF_CREDIT_RE.match(core)) and len(core.split()) <= 25:
        rest = core[m.end():]
        return _is_byline(rest) if m.group().strip("( ").lower() == "by" else _names_only(rest)
    if (m := _COPYRIGHT_HOLDER_RE.match(core)) and len(core.split()) <= 12:
        return _names_only(core[m.end():])  # "Copyright The Associated Press", not "Copyright law"
    return False


def _is_date(text: str) -> bool:
    """A date or time alone ("24 November 2026", "Tue 3 Mar 2026 10.30 GMT", "2026-11-24")."""
    if len(text) > 60 or not _DIGIT_RE.search(text):
        return False
    words = [w.lower() for w in _NAME_WORD_RE.findall(text.replace(".", " "))]
    if not all(w in _DATE_WORDS for w in words):
        return False
    # a month or a day written as digits; a clock time only beside a clock word ("10.30
    # GMT"), since "99.95" or "£10.99" alone is a figure
    return (any(w in MONTH_WORDS for w in words) or bool(_DAY_SHAPE_RE.search(text))
            or (bool(_CLOCK_SHAPE_RE.search(text)) and any(w in _CLOCK_WORDS for w in words)))


def _is_nav(text: str) -> bool:
    if text.endswith((".", "!", "?", "…")) and len(text.split()) > 4:
        return False  # a sentence, not a menu
    parts = (_NAV_SPLIT_QUOTED_RE if "«" in text else _NAV_SPLIT_RE).split(text)
    if parts and not parts[0]:
        parts = parts[1:]
    if parts and not parts[-1]:
        parts = parts[:-1]
    return len(parts) >= 3 and all(0 < len(p.split()) <= 4 for p in parts)


def is_boilerplate(text: str, nwords: int) -> bool:
    if _NO_WORD_RE.match(text):
        return True
    if nwords <= 40 and _BOILER_ANYWHERE_RE.search(text):
        return True
    if nwords > 25:
        return False
    if _BOILER_PREFIX_RE.match(text):
        return True
    if nwords <= 12 and _TIMESTAMP_RE.match(text) and not text.endswith((".", "!", "?")):
        return True
    if nwords <= 6 and _BOILER_EXACT_RE.fullmatch(" ".join(text.strip(_EXACT_TRIM).split())):
        return True
    return _is_share_bar(text) or _is_credit(text) or _is_nav(text) or _is_date(text)


def _is_share_bar(text: str) -> bool:
    if text.split(None, 1)[0].strip(",|·•").lower() not in _SHARE_WORDS:
        return False
    words = text.lower().split()
    return 2 <= len(words) <= 12 and all(w.strip(",|·•") in _SHARE_WORDS for w in words)


def is_heading(text: str, nwords: int) -> bool:
    return (
        nwords <= HEADING_MAX_WORDS
        and len(text) <= HEADING_MAX_CHARS
        and not _CLOSING_RE.search(text)
        and not text[0].islower()  # a continuation, not a title
        and not _BULLET_RE.match(text)  # list items are body text
    )
