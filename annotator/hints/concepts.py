"""Contested concepts: each contested term linked to its counterparts across languages and
across sides (``concepts.json``; see docs/hints.md).

A contested term of a lexicon may name its concept and side, ``"concept":
"territory_control/occupation"``. The terms of each side in each language are not written
again here: ``links(lexicons)`` reads them from the lexicons' entries. Only the concepts, their
sides and the neutral wordings (shown to people, never matched) live in concepts.json.
"""
from __future__ import annotations

import json
from importlib.resources import files

CONCEPTS: dict = json.loads(files(__package__).joinpath("concepts.json").read_text(encoding="utf-8"))
_SIDES: dict[str, dict] = {c["id"]: c["sides"] for c in CONCEPTS["concepts"]}


def check_concept(value, where: str) -> str:
    """A lexicon entry's "concept" ("id/side" of concepts.json); ValueError naming `where`."""
    if not isinstance(value, str) or value.count("/") != 1:
        raise ValueError(f"{where}: must be 'concept/side', e.g. 'territory_control/occupation'")
    concept, side = value.strip().split("/")
    if concept not in _SIDES:
        raise ValueError(f"{where}: unknown concept '{concept}' (known: {', '.join(sorted(_SIDES))})")
    if side not in _SIDES[concept]:
        raise ValueError(f"{where}: concept '{concept}' has no side '{side}' "
                         f"(sides: {', '.join(_SIDES[concept])})")
    return f"{concept}/{side}"


def links(lexicons: dict[str, dict]) -> dict[str, dict]:
    """concept id -> {"gloss", "sides": {side: {"gloss", "terms": {lang: [term, ...]}}},
    "neutral": {lang: [wording, ...]}}: every contested term of `lexicons` ({lang: lexicon})
    under its concept and side."""
    out = {c["id"]: {"gloss": c["gloss"],
                     "sides": {s: {"gloss": g, "terms": {}} for s, g in c["sides"].items()},
                     "neutral": c.get("neutral", {})} for c in CONCEPTS["concepts"]}
    for lang, lexicon in lexicons.items():
        for entry in lexicon.get("contested_terms", []):
            if isinstance(entry, dict) and entry.get("concept"):
                concept, side = entry["concept"].split("/")
                out[concept]["sides"][side]["terms"].setdefault(lang, []).append(entry["term"])
    return out


def explain(concept_ref: str, lang: str, table: dict[str, dict]) -> dict:
    """What to show beside a contested term of concept `concept_ref` ("id/side") in language
    `lang`: the concept's gloss, the same side in the other languages ("equivalents"), the
    other sides in this language and in the others ("counterparts": {side: {lang: [...]}}),
    and the neutral wording in this language."""
    concept, side = concept_ref.split("/")
    c = table[concept]
    return {"concept": concept, "side": side, "gloss": c["gloss"],
            "side_gloss": c["sides"][side]["gloss"],
            "equivalents": {l: t for l, t in c["sides"][side]["terms"].items() if l != lang},
            "counterparts": {s: v["terms"] for s, v in c["sides"].items() if s != side},
            "neutral": c["neutral"].get(lang, [])}
