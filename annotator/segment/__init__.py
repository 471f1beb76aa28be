"""Article body text -> sentence units with exact character offsets and a kind.

Pure functions, no Flask and no database.  Modules by concern: chars (white space, line
breaks, stops), veto (abbreviations, what cannot start a sentence), boundaries (pysbd inside
news rules, per line), kinds (heading, boilerplate, body), units (``segment``); the word
lists are data files in words/.
"""

from .units import KINDS, Unit, normalize_for_hash, segment

__all__ = ["KINDS", "Unit", "normalize_for_hash", "segment"]
