"""Character classes shared by boundaries and kinds: white space, line breaks, stops."""

from __future__ import annotations

import re

# Everything str.isspace() knows (all Unicode spaces live below U+3001) plus
# invisible format characters often left by scrapers (zero-width space, BOM, ...).
INVISIBLE = "\u00ad\u180e\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff"
STRIP = "".join(chr(c) for c in range(0x3001) if chr(c).isspace()) + INVISIBLE
# Line breaks as str.splitlines() sees them: a unit never contains one.
LINE_RE = re.compile(r"[^\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]+")
INVISIBLE_RE = re.compile("[" + INVISIBLE + "]")

# Stops that end a sentence whatever follows, no abbreviation using them: CJK (written
# without a space after), Arabic and Urdu, Devanagari, the Armenian full stop and the
# Ethiopic one.
HARD_STOPS = "。！？؟۔।॥։።"
TERMINAL = ".!?…" + HARD_STOPS
CLOSERS = ")]\"'”’»"
OPENERS = "\"“‘'([«¿¡"
