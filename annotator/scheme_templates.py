"""Label schemes to start a project from: the default three labels, a BABE-style bias scheme
and a PARC-style attribution scheme. Data only; `projects.create_project(template=...)` applies
one, and the new-project form and `annotator create-project --template` offer them."""
from __future__ import annotations

import copy

from .labels import DEFAULT_LABELS, SchemeError

DEFAULT_TEMPLATE = "default"

TEMPLATES: dict[str, dict] = {
    "default": {
        "title": "Attribution and framing (default)",
        "description": "Whose voice is a sentence in: an attributed claim, the outlet's own "
                       "contested framing, or a neutral fact in the outlet's voice.",
        "labels": DEFAULT_LABELS,
        "settings": {},
    },
    "babe": {
        "title": "Media bias, BABE-style",
        "description": "After BABE (Spinde et al., 2021): is the sentence's wording biased? "
                       "BABE labels opinion / factual as a second, independent label; here the "
                       "three are one single choice, so an opinion sentence is labelled "
                       "'opinion' rather than biased or non-biased.",
        "labels": [
            {"id": "biased", "name": "Biased", "key": "1", "colour": 2,
             "description": "Loaded, one-sided or emotionally charged wording that takes a side."},
            {"id": "non_biased", "name": "Non-biased", "key": "2", "colour": 3,
             "description": "Neutral wording: the sentence reports without taking a side."},
            {"id": "opinion", "name": "Opinion", "key": "3", "colour": 4,
             "description": "States an opinion or judgement rather than reporting facts."},
        ],
        # The loaded words of a biased or opinion sentence are its evidence.
        "settings": {"spans": {"biased": "optional", "non_biased": "off", "opinion": "optional"},
                     "span_types": [{"id": "loaded_word", "name": "Loaded word", "key": "l",
                                     "colour": 2, "voice": False, "labels": ["biased", "opinion"]}]},
    },
    "parc": {
        "title": "Attribution, PARC-style",
        "description": "After the Penn Attribution Relations Corpus (Pareti, 2012): does the "
                       "sentence attribute content to a source, in quotes or in paraphrase? "
                       "Evidence spans mark the source, the cue and the content.",
        "labels": [
            {"id": "direct_quote", "name": "Direct quote", "key": "1", "colour": 1,
             "description": "A source's words given verbatim, in quotation marks."},
            {"id": "indirect_attribution", "name": "Indirect attribution", "key": "2",
             "colour": 5,
             "description": "What a source says or believes, paraphrased (\"X said that ...\", "
                            "\"according to X\")."},
            {"id": "no_attribution", "name": "No attribution", "key": "3", "colour": 3,
             "description": "Nothing in the sentence is attributed to a source."},
        ],
        "settings": {"spans": {"direct_quote": "optional", "indirect_attribution": "optional",
                               "no_attribution": "off"},
                     # PARC's attribution relation: its source, cue and content.
                     "span_types": [
                         {"id": t, "name": t.capitalize(), "key": k, "colour": c, "voice": False,
                          "labels": ["direct_quote", "indirect_attribution"]}
                         for t, k, c in (("source", "q", 3), ("cue", "w", 4), ("content", "e", 1))]},
    },
}


def template(name: str) -> dict:
    """A copy of the template `name` (labels and settings), or SchemeError naming the choices."""
    if name not in TEMPLATES:
        raise SchemeError(f"template: one of {', '.join(TEMPLATES)} (got {name!r})")
    return copy.deepcopy(TEMPLATES[name])


def summaries() -> list[dict]:
    """Every template as plain data, for the new-project page and its JSON twin."""
    return [{"name": name, **copy.deepcopy(t)} for name, t in TEMPLATES.items()]
