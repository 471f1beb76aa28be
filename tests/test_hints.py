"""Lexicon hints (annotator/hints/): matcher, lexicon validation, inflection, the rule-based
attribution finder and hint-quality arithmetic."""
from __future__ import annotations

import copy
import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.hints.attribution import find_attributions
from annotator.hints.evaluation import hint_quality
from annotator.hints.inflection import inflections
from annotator.hints.lexicon import DEFAULT_LEXICON, validate_lexicon
from annotator.hints.matcher import Matcher

LEXICAL = Matcher(DEFAULT_LEXICON, sources=False)
FULL = Matcher(DEFAULT_LEXICON)


def lexical(sentence: str) -> list[tuple[str, str, str]]:
    return [(sentence[h["start"]:h["end"]], h["type"], h["term"]) for h in LEXICAL.hints(sentence)]


C, T = "cue", "contested_term"

# (sentence, expected [(surface text, type, canonical term)]) in sentence order
MATCHER_CASES = [
    # inflection of cues
    ("The ministry said the talks had failed.", [("said", C, "said")]),
    ("She says the shelling continued.", [("says", C, "said")]),
    ("He kept saying the bridge was intact.", [("saying", C, "said")]),
    ("Officials claimed the drone was shot down.", [("claimed", C, "claimed")]),
    ("Moscow claims the strike hit a depot.", [("claims", C, "claimed")]),
    ("Kyiv denies any involvement.", [("denies", C, "denied")]),
    ("Baku has denied the report.", [("denied", C, "denied")]),
    ("He insists the vote was fair.", [("insists", C, "insisted")]),
    ("Analysts believe the offensive has stalled.", [("believe", C, "believes")]),
    # multi-word cues, spacing and inflection of the first word
    ("Five died, according to the ministry.", [("according to", C, "according to")]),
    ("According  to\u00a0the ministry, five died.", [("According  to", C, "according to")]),
    ("The minister said in a statement that he would resign.",
     [("said", C, "said"), ("in a statement", C, "in a statement")]),
    ("Peskov told reporters that talks had stalled.", [("told reporters", C, "told reporters")]),
    ("Peskov is telling reporters nothing new.", [("telling reporters", C, "told reporters")]),
    ("He was quoted as saying the war was over.", [("quoted as saying", C, "quoted as saying")]),
    ("The commander is said to be hiding.", [("said", C, "said")]),  # hearsay: kept on purpose
    ("The village was reportedly hit overnight.", [("reportedly", C, "reportedly")]),
    # contested terms, inflection, case, quotes, hyphens, apostrophes, accents
    ("Troops occupied the town in March.", [("occupied", T, "occupied")]),
    ("Russian forces are occupying the plant.", [("occupying", T, "occupied")]),
    ("Shelling hit the Russian-occupied south.", [("occupied", T, "occupied")]),
    ("The \u201cOCCUPIED\u201d territories voted.", [("OCCUPIED", T, "occupied")]),
    ("He spoke of the occupation of Crimea.", [("occupation", T, "occupation")]),
    ("Crowds cheered the liberation of Kherson.", [("liberation", T, "liberation")]),
    ("Troops entered the liberated villages.", [("liberated", T, "liberated")]),
    ("Ukrainian troops freed the village.", [("freed", T, "freed")]),
    ("the so-called referendum", [("so-called", T, "so-called")]),
    ("the so called referendum", [("so called", T, "so-called")]),
    ("the so\u2011called referendum", [("so\u2011called", T, "so-called")]),
    ("the so\u2013called referendum", [("so\u2013called", T, "so-called")]),
    ("Washington wants regime change in Damascus.", [("regime change", T, "regime change")]),
    ("The Assad regime\u2019s forces advanced.", [("regime", T, "regime")]),
    ("The r\u00e9gime collapsed overnight.", [("r\u00e9gime", T, "regime")]),
    ("The re\u0301gime collapsed overnight.", [("re\u0301gime", T, "regime")]),
    ("Sanctions on the regime were tightened.", [("regime", T, "regime")]),
    ("It spoke of the regime of Bashar al-Assad.", [("regime", T, "regime")]),
    ("Moscow denounced the provocations along the border.", [("provocations", T, "provocation")]),
    ("Residents described ethnic-cleansing in the valley.",
     [("described", C, "describe"), ("ethnic-cleansing", T, "ethnic cleansing")]),
    ("Terrorists attacked the checkpoint.", [("Terrorists", T, "terrorist")]),
    ("The militant wing claimed the attack.", [("militant", T, "militant"), ("claimed", C, "claimed")]),
    ("Pro-Russian separatists shelled the town.", [("separatists", T, "separatist")]),
    ("Posters showed the martyred commander.", [("martyred", T, "martyr")]),
    ("Russia's annexation of Crimea in 2014", [("annexation", T, "annexation")]),
    ("The strike was a massacre, the mayor said.", [("massacre", T, "massacre"), ("said", C, "said")]),
    ("They called the government a puppet regime.", [("puppet", T, "puppet"), ("regime", T, "regime")]),
    # false friends: nothing fires
    ("He occupied the seat for 20 years.", []),
    ("She occupies a central place in the party.", []),
    ("The room was occupied.", []),
    ("He was occupied with paperwork.", []),
    ("She seemed preoccupied all day.", []),
    ("Owner-occupiers pay less tax.", []),
    ("Tickets are free of charge.", []),
    ("They defended free speech and free trade.", []),
    ("Three hostages were freed on Monday.", []),
    ("The activist was freed from prison.", []),
    ("They studied the regime of the river.", []),
    ("They studied the hydrological regime of the Danube.", []),
    ("A new tax regime takes effect in May.", []),
    ("She kept a gruelling training regime.", []),
    ("The sanctions regime was tightened.", []),
    ("It is hard to say what happened.", []),
    ("Needless to say, prices rose.", []),
    ("That said, the market recovered.", []),
    ("Workers want a say in the decision.", []),
    ("All told, 40 people were hurt.", []),
    ("The fire claimed three lives.", []),
    ("She was denied entry at the border.", []),
    ("The patient was admitted to hospital.", []),
    ("Its stated goal is growth.", []),
    ("The accused was released on bail.", []),
    ("Shares added 3 points on Friday.", []),
    ("He was stressed out before the exam.", []),
    ("The women's liberation movement grew.", []),
    ("New family reunification rules apply.", []),
    ("The app is an invasion of privacy.", []),
    ("Vets treat passive aggression in dogs.", []),
    ("The children watched a puppet show.", []),
    ("Counter-terrorism police made arrests.", []),
    ("There are 30 confirmed cases.", []),
    ("The warning shots were fired.", []),
    ("Everything went according to plan.", []),
    ("The unsaid rules of the game.", []),
    # the cues issue 16 found missing (and a few more attribution verbs), in real-news use
    ("Asked about the talks, Peskov said nothing.", [("Asked", C, "asked"), ("said", C, "said")]),
    ("Reporters asked whether the bridge was hit.", [("asked", C, "asked")]),
    ("The documents revealed that the army knew.", [("revealed", C, "revealed")]),
    ("The data suggests the offensive has stalled.", [("suggests", C, "suggested")]),
    ("The UN estimates that 2,000 people fled.", [("estimates", C, "estimated")]),
    ("Analysts estimated the damage at $2 billion.", [("estimated", C, "estimated")]),
    ("Economists predicted a sharp slowdown.", [("predicted", C, "predicted")]),
    ("The ministry responded that the report was false.", [("responded", C, "responded")]),
    ("Officials indicated that talks could resume.", [("indicated", C, "indicated")]),
    ("\"No,\" she replied.", [("replied", C, "replied")]),
    ("He described the scene as chaos.", [("described", C, "describe")]),
    ("She recalled hearing two blasts.", [("recalled", C, "recall")]),
    ("The company disclosed the breach on Friday.", [("disclosed", C, "disclosed")]),
    ("The minister countered that the figures were old.", [("countered", C, "countered")]),
    ("The attack underscored the risks, officials said.",
     [("underscored", C, "underscore"), ("said", C, "said")]),
    ("The envoy underlined the need for talks.", [("underlined", C, "underline")]),
    ("The report notes that prices rose.", [("notes", C, "noted")]),
    ("Smith notes the rise in prices.", [("notes", C, "noted")]),
    ("The bank expects inflation to ease.", [("expects", C, "expects")]),
    ("Unions demanded a pay rise.", [("demanded", C, "demanded")]),
    ("The union threatened to strike.", [("threatened", C, "threaten")]),
    ("The survey found that most voters agreed.", [("found that", C, "found that")]),
    ("The council proposed a new tax.", [("proposed", C, "propose")]),
    # ... and their false friends: nothing fires
    ("That is a big ask for the team.", []),
    ("The asking price was $2 million.", []),
    ("Read our frequently asked questions.", []),
    ("She wore a revealing dress.", []),
    ("The suggested retail price is $30.", []),
    ("An estimated 5,000 people attended.", []),
    ("Estimates of the death toll vary.", []),
    ("The estimated cost rose to $4 billion.", []),
    ("Turnout was higher than predicted.", []),
    ("Firefighters responded to the blaze.", []),
    ("Police responded to reports of a shooting.", []),
    ("Responding officers found the car empty.", []),
    ("The route is indicated on the map.", []),
    ("A reply arrived on Monday.", []),
    ("There was no reply from the embassy.", []),
    ("The method described above works.", []),
    ("Carmakers recalled 8000 vehicles.", []),
    ("The firm recalled the faulty devices.", []),
    ("The ministry recalled its ambassador.", []),
    ("Voters backed the recall election.", []),
    ("The club paid an undisclosed fee.", []),
    ("The system countered the drone attack.", []),
    ("Type an underscore between the words.", []),
    ("Click the underlined link.", []),
    ("He left his notes on the train.", []),
    ("Get Harbor Notes in your inbox every Friday.", []),
    ("Transit Notes is a reader-supported publication.", []),
    ("The shop took counterfeit bank notes.", []),
    ("The region is noted for its wines.", []),
    ("Prices are expected to rise.", []),
    ("As expected, the bill passed.", []),
    ("She is expecting a baby in May.", []),
    ("It is a demanding job.", []),
    ("The work is physically demanding.", []),
    ("Demand for oil rose.", []),
    ("The town was threatened by floods.", []),
    ("The frog is a threatened species.", []),
    ("It was a life threatening injury.", []),
    ("Drivers ignored the traffic signals.", []),
    ("The long hoped for rain arrived.", []),
    ("The proposed law faces a vote.", []),
    ("He proposed to her in Paris.", []),
    ("It is hard to say what happened.", []),
    ("That said, the market recovered.", []),
    ("Nurses face an added stress at night.", []),
]


@pytest.mark.parametrize("sentence,expected", MATCHER_CASES, ids=[c[0][:40] for c in MATCHER_CASES])
def test_matcher_cases(sentence, expected):
    assert lexical(sentence) == expected


def test_hint_shape_and_offsets():
    sentence = "Azerbaijan's Defence Ministry said Armenian forces shelled the occupied town."
    hints = FULL.hints(sentence)
    assert [(h["type"], h["term"]) for h in hints] == [
        ("source", "Azerbaijan's Defence Ministry"), ("cue", "said"), ("contested_term", "occupied")]
    for h in hints:
        # a contested term also names its concept and side (concepts.json)
        assert set(h) == {"start", "end", "type", "term"} | (
            {"concept"} if h["type"] == "contested_term" else set())
        assert sentence[h["start"]:h["end"]] == {"cue": "said", "contested_term": "occupied"}.get(
            h["type"], "Azerbaijan's Defence Ministry")
    assert hints[-1]["concept"] == "territory_control/occupation"
    json.dumps(hints)


def test_source_hint_dropped_where_it_overlaps_a_term():
    sentence = "The regime said the strikes would continue."
    assert [(h["type"], h["term"]) for h in FULL.hints(sentence)] == [
        ("contested_term", "regime"), ("cue", "said")]


def test_sources_only_with_a_cue():
    assert FULL.hints("Nikol Pashinyan visited Moscow.") == []


def test_longest_match_wins_across_positions():
    lex = {"version": 1, "cues": ["press conference", "told a press"], "contested_terms": []}
    m = Matcher(lex, sources=False)
    sentence = "He told a press conference in Kyiv."
    assert [(sentence[h["start"]:h["end"]], h["term"]) for h in m.hints(sentence)] == [
        ("press conference", "press conference")]  # 16 characters beat 12


def test_contested_term_wins_over_cue_with_same_surface():
    lex = {"version": 1, "cues": ["claimed"], "contested_terms": [{"term": "claimed", "counterparts": []}]}
    assert [h["type"] for h in Matcher(lex, sources=False).hints("He claimed it.")] == ["contested_term"]


def test_custom_lexicon_variants_inflect_and_exceptions():
    lex = {
        "version": 1,
        "cues": [{"term": "stated", "inflect": False, "variants": ["states that"]}],
        "contested_terms": [
            {"term": "liquidated", "counterparts": ["killed"], "note": "euphemism",
             "not_before": ["... compan*", "assets"], "not_after": ["| the"]},
            {"term": "Kyiv\u2019s regime", "counterparts": ["Ukrainian government"]},
        ],
    }
    m = Matcher(lex, sources=False)

    def surfaces(s):
        return [s[h["start"]:h["end"]] for h in m.hints(s)]

    assert surfaces("He stated it.") == ["stated"]
    assert surfaces("The state said.") == []                      # inflect false: no 'state'
    assert surfaces("The report states that it rained.") == ["states that"]
    assert surfaces("The report states nothing.") == []
    assert surfaces("Troops liquidated the unit.") == ["liquidated"]
    assert surfaces("They are liquidating the militants.") == ["liquidating"]
    assert surfaces("They liquidated two small companies.") == []    # '... compan*'
    assert surfaces("They liquidated assets.") == []                 # 'assets' right after
    assert surfaces("The liquidated unit, he said.") == []           # '| the': at sentence start
    assert surfaces("Reports said the liquidated unit was gone.") == ["liquidated"]
    assert surfaces("Kyiv's regime fell.") == ["Kyiv's regime"]       # any apostrophe
    assert surfaces("Kyiv\u02bcs regime fell.") == ["Kyiv\u02bcs regime"]
    assert m.entry("contested_term", "liquidated")["note"] == "euphemism"
    assert m.terms == {"cue": ["stated"], "contested_term": ["liquidated", "Kyiv\u2019s regime"]}


def test_exception_context_stops_at_punctuation():
    # 'seat' is beyond a comma, so 'occupied' still fires
    assert lexical("Russia occupied Crimea, taking a seat at the table.") == [
        ("occupied", T, "occupied")]


# ---------------------------------------------------------------------------------------------
# inflection
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("word,forms", [
    ("said", {"say", "says", "said", "saying"}),
    ("say", {"say", "says", "said", "saying"}),
    ("claimed", {"claim", "claims", "claimed", "claiming"}),
    ("deny", {"deny", "denies", "denied", "denying"}),
    ("occupied", {"occupy", "occupies", "occupied", "occupying"}),
    ("noted", {"note", "notes", "noted", "noting"}),
    ("urged", {"urge", "urges", "urged", "urging"}),
    ("argued", {"argue", "argues", "argued", "arguing"}),
    ("liberated", {"liberate", "liberates", "liberated", "liberating"}),
    ("massacre", {"massacre", "massacres", "massacred", "massacring"}),
    ("stressed", {"stress", "stresses", "stressed", "stressing"}),
    ("stop", {"stop", "stops", "stopped", "stopping"}),
    ("provocation", {"provocation", "provocations"}),
    ("atrocity", {"atrocity", "atrocities"}),
    ("gunmen", {"gunman", "gunmen"}),
])
def test_inflections(word, forms):
    assert forms <= set(inflections(word))


def test_inflections_do_not_invent_frequent_words():
    assert "not" not in inflections("noted")
    assert "stat" not in inflections("stated")
    assert "free" not in inflections("freeing") or "freed" in inflections("freeing")
    assert inflections("visited") == ["visit", "visited", "visiting", "visits"]


# ---------------------------------------------------------------------------------------------
# lexicon validation
# ---------------------------------------------------------------------------------------------
def test_default_lexicon_is_valid_normalised_and_json():
    assert validate_lexicon(DEFAULT_LEXICON) == DEFAULT_LEXICON
    again = json.loads(json.dumps(DEFAULT_LEXICON))
    assert validate_lexicon(again) == DEFAULT_LEXICON
    cue_terms = {c if isinstance(c, str) else c["term"] for c in DEFAULT_LEXICON["cues"]}
    assert {"said", "told", "stated", "according to", "added", "noted", "stressed", "urged",
            "warned", "claimed", "alleged", "denied", "in a statement", "told reporters",
            "quoted as saying"} <= cue_terms
    contested = {c["term"] for c in DEFAULT_LEXICON["contested_terms"]}
    assert {"occupied", "liberated", "freed", "provocation", "aggression", "regime", "terrorist",
            "militant", "separatist", "so-called", "massacre", "genocide", "martyr"} <= contested


def test_validate_normalises():
    out = validate_lexicon({
        "cues": ["  said ", {"term": "told"}, {"term": "noted", "variants": [], "note": " "}],
        "contested_terms": ["regime", {"term": " so   called ", "counterparts": ["a  b"]}],
    })
    assert out == {"version": 1, "cues": ["said", "told", "noted"],
                   "contested_terms": [{"term": "regime", "counterparts": []},
                                       {"term": "so called", "counterparts": ["a b"]}]}


def _lex(**over):
    lex = {"version": 1, "cues": ["said"], "contested_terms": [
        {"term": "regime", "counterparts": []}, {"term": "junta", "counterparts": []},
        {"term": "puppet", "counterparts": []}, {"term": "thug", "counterparts": []}]}
    lex.update(over)
    return lex


@pytest.mark.parametrize("lexicon,message", [
    ("not a dict", "lexicon: must be a JSON object"),
    (_lex(version=2), "version: unsupported version 2"),
    (_lex(extra=1), "lexicon: unknown field 'extra'"),
    (_lex(cues="said"), "cues: must be a list"),
    (_lex(cues=[""]), "cues[0]: must be a non-empty string"),
    (_lex(cues=["said", 3]), "cues[1]: must be a string or an object"),
    (_lex(cues=["said", "Said"]), "cues[1].term: 'Said' duplicates cues[0]"),
    (_lex(cues=[{"term": "said", "not_befor": []}]), "cues[0]: unknown field 'not_befor'"),
    (_lex(cues=[{"term": "said", "counterparts": []}]), "cues[0]: unknown field 'counterparts'"),
    (_lex(cues=[{"term": "said", "inflect": "yes"}]), "cues[0].inflect: must be true or false"),
    (_lex(cues=[{"term": "said", "variants": "says"}]), "cues[0].variants: must be a list of strings"),
    (_lex(cues=[{"term": "said", "not_before": ["... *"]}]), "cues[0].not_before[0]: must contain a word"),
    (_lex(cues=[{"term": "said", "not_after": ["a", "--"]}]), "cues[0].not_after[1]: '--' is not a word"),
    (_lex(cues=[{"term": "!!!"}]), "cues[0].term: must contain a word"),
    (_lex(contested_terms=[{"counterparts": []}]), "contested_terms[0].term: must be a non-empty string"),
    (_lex(contested_terms=[{"term": "a"}, {"term": "b"}, {"term": "c"}, {"term": "  "}]),
     "contested_terms[3].term: must be a non-empty string"),
    (_lex(contested_terms=[{"term": "regime", "counterparts": "government"}]),
     "contested_terms[0].counterparts: must be a list of strings"),
    (_lex(contested_terms=[{"term": "regime", "counterparts": ["ok", ""]}]),
     "contested_terms[0].counterparts[1]: must be a non-empty string"),
])
def test_validate_errors_name_the_field(lexicon, message):
    with pytest.raises(ValueError) as err:
        validate_lexicon(lexicon)
    assert str(err.value).startswith(message)


def test_matcher_rejects_invalid_lexicon_and_does_not_mutate_input():
    with pytest.raises(ValueError):
        Matcher({"cues": [""]})
    lex = copy.deepcopy(DEFAULT_LEXICON)
    Matcher(lex)
    assert lex == DEFAULT_LEXICON


# ---------------------------------------------------------------------------------------------
# attribution finder
# ---------------------------------------------------------------------------------------------
def spans_of(sentence: str) -> set[tuple[str, str]]:
    return {(s["label"], sentence[s["start"]:s["end"]]) for s in find_attributions(sentence)}


ATTRIBUTION_CASES = [
    ("Azerbaijan's Defence Ministry said Armenian forces had shelled its positions.",
     {("source", "Azerbaijan's Defence Ministry"), ("cue", "said"),
      ("content", "Armenian forces had shelled its positions")}),
    ("\u201cWe will not give up an inch of our land,\u201d Pashinyan said.",
     {("content", "We will not give up an inch of our land"), ("source", "Pashinyan"), ("cue", "said")}),
    ('"The attack was a provocation," the ministry said in a statement.',
     {("content", "The attack was a provocation"), ("source", "the ministry"),
      ("cue", "said in a statement")}),
    ("According to the ministry, five soldiers were killed.",
     {("cue", "According to"), ("source", "the ministry"), ("content", "five soldiers were killed")}),
    ("Five soldiers were killed, according to local officials.",
     {("content", "Five soldiers were killed"), ("cue", "according to"), ("source", "local officials")}),
    ("Kremlin spokesman Dmitry Peskov told reporters that the talks had stalled.",
     {("source", "Kremlin spokesman Dmitry Peskov"), ("cue", "told reporters"),
      ("content", "the talks had stalled")}),
    ("Nikol Pashinyan, who has led Armenia since 2018, said the agreement would hold.",
     {("source", "Nikol Pashinyan"), ("cue", "said"), ("content", "the agreement would hold")}),
    ("She denied that any civilians had been hurt.",
     {("source", "She"), ("cue", "denied"), ("content", "any civilians had been hurt")}),
    ("Officials said the ceasefire was holding.",
     {("source", "Officials"), ("cue", "said"), ("content", "the ceasefire was holding")}),
    ("The army has repeatedly denied targeting civilians.",
     {("source", "The army"), ("cue", "denied"), ("content", "targeting civilians")}),
    ('"This is genocide," said Ivan Petrov, a local resident.',
     {("content", "This is genocide"), ("cue", "said"), ("source", "Ivan Petrov")}),
    ("The so-called referendum was illegal, the foreign minister told journalists.",
     {("content", "The so-called referendum was illegal"), ("source", "the foreign minister"),
      ("cue", "told journalists")}),
    ("Ukraine's President Volodymyr Zelensky said on Tuesday that Russia was preparing an offensive.",
     {("source", "Ukraine's President Volodymyr Zelensky"), ("cue", "said"),
      ("content", "Russia was preparing an offensive")}),
    ("He told the BBC the ceasefire was over.",
     {("source", "He"), ("cue", "told"), ("content", "the ceasefire was over")}),
    ("A spokesman for the ministry said the shelling had stopped.",
     {("source", "A spokesman for the ministry"), ("cue", "said"), ("content", "the shelling had stopped")}),
    ("The U.S. State Department said in a statement on Monday that it was monitoring the situation.",
     {("source", "The U.S. State Department"), ("cue", "said in a statement"),
      ("content", "it was monitoring the situation")}),
    ("Mr. Aliyev was quoted as saying that the war was over.",
     {("source", "Mr. Aliyev"), ("cue", "quoted as saying"), ("content", "the war was over")}),
    ("It said the strikes targeted military infrastructure.",
     {("source", "It"), ("cue", "said"), ("content", "the strikes targeted military infrastructure")}),
    ("Russia's claims were dismissed, the spokesperson added.",
     {("cue", "claims"), ("content", "Russia's claims were dismissed"), ("source", "the spokesperson"),
      ("cue", "added")}),
    ("\u201cWe are ready,\u201d she said, \u201cbut we will not wait forever.\u201d",
     {("content", "We are ready"), ("source", "she"), ("cue", "said")}),
    ("\u201cBrenica is free,\u201d President Anneke Dorval said in a televised address from Sardena.",
     {("content", "Brenica is free"), ("source", "President Anneke Dorval"), ("cue", "said")}),
    ("Gen. Luka Varenne, commander of the Eastern Command, told reporters at 3 p.m. that the "
     "fighters had withdrawn.",
     {("source", "Gen. Luka Varenne"), ("cue", "told reporters"), ("content", "the fighters had withdrawn")}),
    ("Karsk's envoy to the U.N., Halvard Tenn, told the council that Velorian forces had fired.",
     {("source", "Karsk's envoy to the U.N., Halvard Tenn"), ("cue", "told"),
      ("content", "Velorian forces had fired")}),
    ("According to Col. Piotr Anselm, the ministry\u2019s spokesman, 41 militants were captured.",
     {("cue", "According to"), ("source", "Col. Piotr Anselm"), ("content", "41 militants were captured")}),
    ("Schools were closed, according to a report by the U.N. human rights office.",
     {("content", "Schools were closed"), ("cue", "according to"),
      ("source", "a report by the U.N. human rights office")}),
    ("Azerbaijan's Defence Ministry said on Tuesday that Armenian forces had shelled its positions, "
     "a claim Yerevan denied.",
     {("source", "Azerbaijan's Defence Ministry"), ("cue", "said"),
      ("content", "Armenian forces had shelled its positions"), ("cue", "claim"), ("source", "Yerevan"),
      ("cue", "denied")}),
    ("Mr. Harstad will address the nation on Wednesday evening, his press office said.",
     {("content", "Mr. Harstad will address the nation on Wednesday evening"),
      ("source", "his press office"), ("cue", "said")}),
    # not an inversion: '..., said she feared' / '..., accuses Karsk of'
    ("Veloria, for its part, accuses Karsk of arming rebels.", {("cue", "accuses")}),
    # passive hearsay: a cue but no source; the subject is not the source
    ("The commander is said to be hiding in the mountains.",
     {("cue", "said"), ("content", "to be hiding in the mountains")}),
    ("The village was reportedly hit by rockets overnight.", {("cue", "reportedly")}),
    ("The regime of the river changed after the dam was built.", set()),
    ("Fighting continued overnight in the occupied districts.", set()),
]


@pytest.mark.parametrize("sentence,expected", ATTRIBUTION_CASES, ids=[c[0][:40] for c in ATTRIBUTION_CASES])
def test_find_attributions(sentence, expected):
    assert spans_of(sentence) == expected


def test_find_attributions_shape_and_custom_matcher():
    sentence = "Officials said the ceasefire was holding."
    spans = find_attributions(sentence)
    assert spans == sorted(spans, key=lambda s: (s["start"], s["end"], s["label"]))
    assert all(set(s) == {"start", "end", "label"} for s in spans)
    m = Matcher({"version": 1, "cues": ["insisted"], "contested_terms": []})
    assert find_attributions(sentence, m) == []  # 'said' is not a cue of that lexicon
    assert find_attributions("") == []


# ---------------------------------------------------------------------------------------------
# hint quality
# ---------------------------------------------------------------------------------------------
def H(kind, start, end, term="x"):
    return {"start": start, "end": end, "type": kind, "term": term}


def S(label, start, end):
    return {"start": start, "end": end, "label": label}


def test_hint_quality_worked_example():
    items = [
        # 1: cue hint on an attributed claim; source and cue hints both hit human spans
        ([H("source", 0, 8), H("cue", 9, 13)], "attributed_claim",
         [S("source", 0, 8), S("cue", 9, 13), S("content", 14, 30)]),
        # 2: contested hint on contested framing, overlapping the framing_term span partly
        ([H("contested_term", 4, 10)], "contested_framing", [S("framing_term", 6, 12)]),
        # 3: a cue hint on a neutral fact: a false positive at both levels
        ([H("cue", 2, 6)], "neutral_fact", []),
        # 4: an attributed claim without any hint: two human spans missed
        ([], "attributed_claim", [S("cue", 0, 4), S("source", 5, 9)]),
        # 5: no majority and no spans collected: counts nowhere
        ([H("contested_term", 0, 3)], None, None),
    ]
    q = hint_quality(items)
    # cue: predicted {1,3}, gold {1,4}, tp {1}
    assert q["cue"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2, "predicted": 2, "n": 4}
    # contested: predicted {2}, gold {2}
    assert q["contested_term"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1,
                                   "predicted": 1, "n": 4}
    # spans: 4 hints, 3 overlap a span of their kind; 5 human spans (content ignored), 3 found
    sp = q["spans"]
    assert (sp["precision"], sp["recall"], sp["support"], sp["predicted"], sp["n"]) == (0.75, 0.6, 5, 4, 4)
    assert math.isclose(sp["f1"], 2 * 0.75 * 0.6 / 1.35)
    assert sp["by_label"]["source"]["precision"] == 1.0 and sp["by_label"]["source"]["recall"] == 0.5
    assert sp["by_label"]["cue"]["precision"] == 0.5 and sp["by_label"]["cue"]["recall"] == 0.5
    assert sp["by_label"]["framing_term"]["f1"] == 1.0
    json.dumps(q, allow_nan=False)


def test_hint_quality_undefined_is_none_not_nan():
    q = hint_quality([])
    for key in ("cue", "contested_term", "spans"):
        assert q[key]["precision"] is None and q[key]["recall"] is None and q[key]["f1"] is None
    # gold positives but no predictions: recall 0, precision undefined
    q = hint_quality([([], "attributed_claim", [S("cue", 0, 3)])])
    assert q["cue"]["precision"] is None and q["cue"]["recall"] == 0.0 and q["cue"]["f1"] is None
    # predictions, none right: both zero, F1 zero
    q = hint_quality([([H("cue", 0, 3)], "neutral_fact", []), ([], "attributed_claim", [])])
    assert (q["cue"]["precision"], q["cue"]["recall"], q["cue"]["f1"]) == (0.0, 0.0, 0.0)
    json.dumps(q, allow_nan=False)


def test_hint_quality_custom_labels_and_generator_input():
    items = ((FULL.hints(s), lab, None) for s, lab in [
        ("Officials said it rained.", "claim"), ("It rained.", "fact")])
    q = hint_quality(items, cue_label="claim")
    assert q["cue"]["precision"] == 1.0 and q["cue"]["recall"] == 1.0
    assert q["spans"]["n"] == 0


# ---------------------------------------------------------------------------------------------
# properties and speed
# ---------------------------------------------------------------------------------------------
_PIECES = ["said", "Said", "according", "to", "told", "reporters", "occupied", "regime", "so",
           "-", "\u2011", "called", "the", "The", "ministry", "Ministry", "of", "he", "She",
           "officials", ",", ".", ":", "\u201c", "\u201d", '"', "'", "\u2019", "s", "who",
           "that", "in", "a", "statement", "free", "freed", "seat", "was", "is", "to", "be",
           "r\u00e9gime", "e\u0301", "Mr.", "U.S.", "2014", "\u00a0", "\n", "  "]
_sentences = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(_PIECES), max_size=40).map(" ".join),
    st.lists(st.sampled_from(_PIECES), max_size=40).map("".join),
)


@settings(max_examples=400, deadline=None)
@given(_sentences)
def test_hints_properties(sentence):
    hints = FULL.hints(sentence)
    previous_end = 0
    for h in hints:
        assert 0 <= h["start"] < h["end"] <= len(sentence)
        assert h["start"] >= previous_end  # sorted and non-overlapping
        previous_end = h["end"]
        assert h["type"] in ("cue", "contested_term", "source")
        assert isinstance(h["term"], str) and h["term"]
    spans = find_attributions(sentence)
    for span in spans:
        assert 0 <= span["start"] < span["end"] <= len(sentence)
        assert span["label"] in ("source", "cue", "content")
        assert sentence[span["start"]:span["end"]].strip()
    # the hints' sources are the finder's sources, less those overlapping a lexicon hint
    found = {(s["start"], s["end"]) for s in spans if s["label"] == "source"}
    assert {(h["start"], h["end"]) for h in hints if h["type"] == "source"} <= found
