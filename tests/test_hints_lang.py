"""Lexicons per language: morphology (Slavic endings, Turkic suffix chains, Armenian endings,
Arabic clitics, Hebrew prefixes, Romance and German endings), false friends, exact offsets,
the choice of lexicon by article language, and the cross-language concept links."""
import json

import pytest

from annotator.hints.concepts import CONCEPTS, explain, links
from annotator.hints.lexicon import (DEFAULT_LEXICONS, LANGUAGES, keep_unshown, lexicon_for,
                                     lexicon_lang, validate_lexicon)
from annotator.hints.matcher import Matcher
from annotator.hints.morphology import MORPHOLOGIES
from annotator.hints.tokens import fold
from helpers import load_bench

MATCHERS = {lang: Matcher(lex) for lang, lex in DEFAULT_LEXICONS.items()}


def found(lang, sentence, kind=None):
    """(matched text, canonical term) of each cue / contested-term hint, offsets checked."""
    out = []
    for h in MATCHERS[lang].hints(sentence):
        if h["type"] == "source" or (kind and h["type"] != kind):
            continue
        piece = sentence[h["start"]:h["end"]]
        # offsets are code points and cut at word boundaries
        assert piece == piece.strip() and piece
        assert h["start"] == 0 or not sentence[h["start"] - 1].isalnum()
        assert h["end"] == len(sentence) or not sentence[h["end"]].isalnum()
        out.append((piece, h["term"]))
    return out


C, T = "cue", "contested_term"

# (lang, sentence, kind, expected [(text as written, canonical term)])
MORPHOLOGY = [
    # Russian: case endings of nouns and participles, verb endings, reflexive
    ("ru", "В оккупированных районах не хватает воды.", T, [("оккупированных", "оккупированный")]),
    ("ru", "Войска оккупировали город в марте.", T, [("оккупировали", "оккупированный")]),
    ("ru", "Жители пережили три года оккупации.", T, [("оккупации", "оккупация")]),
    ("ru", "Оккупантов выбили из села.", T, [("Оккупантов", "оккупант")]),
    ("ru", "Армия освободила Херсон.", T, [("освободила", "освободил")]),
    ("ru", "Город был освобождён в ноябре.", T, [("освобождён", "освобождение")]),
    ("ru", "В ходе специальной военной операции погибли трое.", T,
     [("специальной военной операции", "специальная военная операция")]),
    ("ru", "Об этом сообщается на сайте ведомства.", C, [("сообщается", "сообщил")]),
    ("ru", "Губернатор заявила, что обстрелы продолжаются.", C, [("заявила", "заявил")]),
    # Ukrainian
    ("uk", "Окупанти обстріляли Херсон.", T, [("Окупанти", "окупант")]),
    ("uk", "На окупованих територіях тривають арешти.", T, [("окупованих", "окупований")]),
    ("uk", "ЗСУ продовжують звільнення Харківщини.", T, [("звільнення", "звільнення")]),
    ("uk", "Село звільнили 12 вересня.", T, [("звільнили", "звільнення")]),
    ("uk", "Про це повідомила речниця.", C, [("повідомила", "повідомив")]),
    # Armenian: case endings, articles, plural
    ("hy", "Ադրբեջանի օկուպացիայի տակ գտնվող գյուղերը", T, [("օկուպացիայի", "օկուպացված")]),
    ("hy", "Օկուպանտները լքել են գյուղը։", T, [("Օկուպանտները", "օկուպանտ")]),
    ("hy", "ԱԳՆ-ն հայտարարությունում նշել է, որ բանակցությունները շարունակվում են։", C,
     [("հայտարարությունում", "հայտարարությունում"), ("նշել է", "նշել")]),
    # Azerbaijani: suffix chains
    ("az", "Erməni işğalçıları kəndi tərk ediblər.", T, [("işğalçıları", "işğalçı")]),
    ("az", "Şəhər 30 illik işğaldan azad edilmişdir.", T,
     [("işğaldan", "işğal"), ("azad edilmişdir", "azad edilmiş")]),
    ("az", "Nazirlik bildirib ki, atəşkəs pozulub.", C, [("bildirib", "bildirib")]),
    ("az", "Nazirliyin məlumatına görə, iki əsgər yaralanıb.", C,
     [("məlumatına görə", "məlumatına görə")]),
    # Turkish
    ("tr", "İşgalcilerin köyden çekildiği bildirildi.", T, [("İşgalcilerin", "işgalci")]),
    ("tr", "Şehir işgal altındaki topraklardan biriydi.", T, [("işgal", "işgal")]),
    ("tr", "Bakanlığın açıklamasına göre iki asker yaralandı.", C,
     [("açıklamasına", "açıkladı"), ("göre", "göre")]),
    # Arabic: clitic prefixes (و ف ب ل ك + ال / لل) and endings
    ("ar", "وقال المتحدث إن قوات الاحتلال اقتحمت المدينة.", None,
     [("وقال", "قال"), ("الاحتلال", "احتلال")]),
    ("ar", "دعت المنظمة إلى إنهاء الاحتلال في الأراضي المحتلة.", T,
     [("الاحتلال", "احتلال"), ("المحتلة", "محتل")]),
    ("ar", "وأكدت الوزارة أن للاحتلال مسؤولية.", None, [("وأكدت", "أكد"), ("للاحتلال", "احتلال")]),
    ("ar", "قصفت الطائرات مواقع الإرهابيين.", T, [("الإرهابيين", "إرهاب")]),
    # Hebrew: up to three prefixes, endings, final letters
    ("he", "הצבא פעל בשטחים הכבושים.", T, [("הכבושים", "כבוש")]),
    ("he", "ואמרה כי מהכיבוש סבלו רבים.", None, [("ואמרה", "אמר"), ("מהכיבוש", "כיבוש")]),
    ("he", "המחבלים נעצרו, לדבריו.", None, [("המחבלים", "מחבל"), ("לדבריו", "לדברי")]),
    ("he", "לטענתו, הירי נמשך.", C, [("לטענתו", "לטענת")]),
    # French, German, Spanish endings
    ("fr", "Les territoires occupés restent sous contrôle.", T, [("occupés", "occupé")]),
    ("fr", "L'armée a libéré la ville, a affirmé le ministre.", None,
     [("libéré", "libéré"), ("affirmé", "affirmé")]),
    ("de", "Russische Besatzungstruppen haben das Dorf verlassen.", T,
     [("Besatzungstruppen", "Besatzung")]),
    ("de", "In den besetzten Gebieten fehlt Strom.", T, [("besetzten", "besetzt")]),
    ("de", "Der Minister betonte, dass die Gespräche weitergehen.", C, [("betonte", "betonte")]),
    ("es", "Las tropas se retiraron de los territorios ocupados.", T, [("ocupados", "ocupado")]),
    ("es", "Según el ministerio, el régimen bombardeó la ciudad.", None,
     [("Según", "según"), ("régimen", "régimen")]),
]


@pytest.mark.parametrize("lang, sentence, kind, expected", MORPHOLOGY,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(MORPHOLOGY)])
def test_morphology(lang, sentence, kind, expected):
    assert found(lang, sentence, kind) == expected


# Words that look like a contested term (or a cue) but are not used as one. Each must give no
# hint of that kind; the decision follows docs/guidelines.md 5.9 ("judge normally").
FALSE_FRIENDS = [
    ("ru", "Он освободил место в автобусе пожилой женщине.", T),  # vacated a seat
    ("ru", "Суд освободил задержанного из-под стражи.", T),  # released from custody
    ("ru", "Малый бизнес получит освобождение от налогов.", T),  # tax exemption
    ("ru", "Режим прекращения огня нарушался дважды.", T),  # ceasefire regime
    ("ru", "Совещание прошло в режиме онлайн.", T),  # a mode
    ("ru", "Новый голливудский боевик собрал 100 миллионов.", T),  # an action film
    ("uk", "Міністра звільнили з посади у вівторок.", T),  # dismissed from a post
    ("uk", "Звільнення заручників триває третій день.", T),  # hostage release
    ("uk", "Безвізовий режим з ЄС діє з 2017 року.", T),  # visa-free regime
    ("hy", "Համաձայն եմ քեզ հետ։", C),  # "I agree", not "according to"
    ("hy", "Նա հայտնի երգիչ է։", C),  # famous, not "reported"
    ("az", "Azad seçkilər oktyabrda keçiriləcək.", T),  # free elections
    ("az", "Əsirlər azad edildi.", T),  # prisoners released
    ("az", "Atəşkəs rejimi pozulub.", T),  # ceasefire regime
    ("tr", "Kurtarma ekipleri enkazdan 5 kişiyi kurtardı.", T),  # rescue
    ("tr", "Buna göre fiyatlar artacak.", C),  # "accordingly"
    ("tr", "Doktor ona sıkı bir rejim önerdi.", T),  # a diet
    ("ar", "رئيس التحرير استقال من منصبه.", T),  # editor-in-chief
    ("ar", "نشر مقال في الصحيفة أمس.", C),  # an article, not "said"
    ("ar", "بالإضافة إلى ذلك، ارتفعت الأسعار.", C),  # "in addition", not "added"
    ("ar", "يعمل النظام الصحي بصعوبة.", T),  # the health system
    ("he", "הטבח של המסעדה הכין ארוחה.", T),  # the restaurant's cook
    ("he", "אכלנו מלפפון כבוש.", T),  # a pickled cucumber
    ("he", "הוא פרסם מאמר בעיתון.", C),  # an article
    ("he", "שחרור האסירים נדחה.", T),  # prisoner release
    ("fr", "Il est très occupé à préparer le budget.", T),  # busy
    ("fr", "Les otages ont été libérés samedi.", T),  # hostages released
    ("fr", "Le régime fiscal change en janvier.", T),  # tax regime
    ("fr", "Elle a été victime d'une agression sexuelle.", T),  # criminal assault
    ("de", "Die Besatzung des Schiffes wurde gerettet.", T),  # the ship's crew
    ("de", "Die Stelle ist besetzt.", T),  # the post is filled
    ("de", "Die Musik war zu laut.", C),  # loud
    ("es", "Estoy muy ocupado con el trabajo.", T),  # busy
    ("es", "Ocupó el cargo de ministro durante dos años.", T),  # held a post
    ("es", "La tasa de ocupación hotelera subió.", T),  # hotel occupancy
    ("es", "El régimen fiscal cambia en enero.", T),  # tax regime
]


@pytest.mark.parametrize("lang, sentence, kind", FALSE_FRIENDS,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(FALSE_FRIENDS)])
def test_false_friends(lang, sentence, kind):
    assert found(lang, sentence, kind) == []


# The same words in their contested (or cue) use do fire: the exceptions are not too wide.
TRUE_FRIENDS = [
    ("ru", "Российские войска освободили Бердянск.", T),
    ("ru", "Киевский режим обстрелял Белгород.", T),
    ("uk", "Російська агресія триває третій рік.", T),
    ("hy", "Ըստ ԱԳՆ-ի, բանակցությունները շարունակվում են։", C),
    ("az", "Ordu Şuşanı işğaldan azad edib.", T),
    ("tr", "Şuşa işgalden kurtarıldı.", T),
    ("tr", "Reuters'a göre saldırıda üç kişi öldü.", C),
    ("ar", "قال المتحدث إن الطيران قصف المدينة.", C),
    ("ar", "تواصل القوات عمليات تحرير المدينة.", T),
    ("he", "הטבח בקיבוץ נמשך שעות.", T),
    ("he", "הוא אמר כי הירי נמשך.", C),
    ("fr", "Le régime syrien a bombardé Idleb.", T),
    ("de", "Laut Polizei wurde niemand verletzt.", C),
    ("de", "Die Besatzung der Krim dauert an.", T),
    ("es", "Las tropas ocuparon la ciudad en marzo.", T),
]


@pytest.mark.parametrize("lang, sentence, kind", TRUE_FRIENDS,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(TRUE_FRIENDS)])
def test_contested_use_still_fires(lang, sentence, kind):
    assert found(lang, sentence, kind)


def test_every_language_has_cues_and_contested_terms():
    assert set(LANGUAGES) >= {"en", "ru", "uk", "hy", "az", "tr", "ar", "he", "fr", "de", "es"}
    for lang, lexicon in DEFAULT_LEXICONS.items():
        assert validate_lexicon(lexicon) == lexicon, lang
        assert lexicon["lang"] == lang
        assert len(lexicon["cues"]) >= 15 and len(lexicon["contested_terms"]) >= 15, lang
        assert lang == "en" or lang in MORPHOLOGIES


def test_lexicon_lang_falls_back():
    assert lexicon_lang("ru-RU") == "ru"
    assert lexicon_lang("iw") == "he"
    assert lexicon_lang("pt") == "en"
    assert lexicon_lang(None) == "en"
    assert lexicon_lang("") == "en"


def test_the_article_language_chooses_the_lexicon():
    ru, lang = lexicon_for(None, "ru")
    assert ru is DEFAULT_LEXICONS["ru"] and lang == "ru"
    assert lexicon_for(None, "it")[0] is DEFAULT_LEXICONS["en"]
    # an own lexicon without "lang" replaces every language's default, as before
    own = {"version": 1, "cues": ["заявил"], "contested_terms": []}
    lexicon, lang = lexicon_for(own, "ru")
    assert lexicon is own and lang == "ru"
    m = Matcher.for_article(own, "ru")
    assert [h["term"] for h in m.hints("Он заявила так.")] == ["заявил"]  # Russian shapes
    # an own lexicon in one language leaves the others their defaults
    own_ru = {**own, "lang": "ru"}
    assert lexicon_for(own_ru, "ru")[0] is own_ru
    assert lexicon_for(own_ru, "de")[0] is DEFAULT_LEXICONS["de"]
    # "extends": the own entries over the default, an entry of the same term replacing it
    ext = {"version": 1, "lang": "ru", "extends": True, "cues": [],
           "contested_terms": [{"term": "режим", "counterparts": [], "note": "mine"},
                               {"term": "ликвидирован", "counterparts": []}]}
    lexicon, _ = lexicon_for(ext, "ru")
    terms = [e["term"] for e in lexicon["contested_terms"]]
    assert terms.count("режим") == 1 and terms[-1] == "ликвидирован"
    assert len(terms) == len(DEFAULT_LEXICONS["ru"]["contested_terms"]) + 1
    assert next(e for e in lexicon["contested_terms"] if e["term"] == "режим")["note"] == "mine"
    assert lexicon["cues"] == DEFAULT_LEXICONS["ru"]["cues"]
    m = Matcher.for_article(ext, "ru")
    assert [h["term"] for h in m.hints("Боевики ликвидированы.")] == ["боевик", "ликвидирован"]


def test_keep_unshown_carries_lang_stems_and_concepts():
    previous = DEFAULT_LEXICONS["de"]
    table = {"version": 1, "cues": [{"term": "sagte"}],
             "contested_terms": [{"term": "besetzt", "counterparts": []},
                                 {"term": "Neu", "counterparts": []}]}
    kept = keep_unshown(table, previous)
    assert kept["lang"] == "de"
    assert kept["cues"][0]["stem"] == "sagt"
    assert kept["contested_terms"][0]["concept"] == "territory_control/occupation"
    assert kept["contested_terms"][1] == {"term": "Neu", "counterparts": []}
    assert validate_lexicon(kept) == kept


@pytest.mark.parametrize("change, error", [
    ({"lang": "r u"}, "lang: must be a language tag"),
    ({"extends": "yes"}, "extends: must be true or false"),
    ({"contested_terms": [{"term": "x", "concept": "nope/side"}]}, "contested_terms[0].concept: unknown concept 'nope'"),
    ({"contested_terms": [{"term": "x", "concept": "territory_control/nope"}]}, "has no side 'nope'"),
    ({"contested_terms": [{"term": "x", "concept": "territory_control"}]}, "must be 'concept/side'"),
    ({"cues": [{"term": "сказал", "stem": "ска зал"}]}, "cues[0].stem: must begin each word of the term"),
    ({"cues": [{"term": "сказал", "stem": "каз"}]}, "cues[0].stem: must begin each word"),
    ({"cues": [{"term": "сказал", "not_forms": ["a b"]}]}, "cues[0].not_forms[0]: must be one word"),
    ({"cues": [{"term": "сказал", "concept": "territory_control/occupation"}]}, "cues[0]: unknown field 'concept'"),
])
def test_new_fields_are_validated(change, error):
    with pytest.raises(ValueError) as err:
        validate_lexicon({"version": 1, "cues": [], "contested_terms": [], **change})
    assert error in str(err.value)


def test_concepts_link_terms_across_languages_and_sides():
    table = links(DEFAULT_LEXICONS)
    control = table["territory_control"]["sides"]
    # both sides of "who holds the territory" in every language
    for side in ("occupation", "liberation"):
        assert set(control[side]["terms"]) == set(LANGUAGES), side
    assert "occupied" in control["occupation"]["terms"]["en"]
    assert "оккупированный" in control["occupation"]["terms"]["ru"]
    assert "освобождение" in control["liberation"]["terms"]["ru"]
    # every contested term of every default lexicon names a concept and is in the table
    for lang, lexicon in DEFAULT_LEXICONS.items():
        for entry in lexicon["contested_terms"]:
            concept, side = entry["concept"].split("/")
            assert entry["term"] in table[concept]["sides"][side]["terms"][lang]
    shown = explain("territory_control/liberation", "ru", table)
    assert "liberated" in shown["equivalents"]["en"] and "ru" not in shown["equivalents"]
    assert "оккупация" in shown["counterparts"]["occupation"]["ru"]
    assert shown["neutral"] == CONCEPTS["concepts"][0]["neutral"]["ru"]
    json.dumps(table, ensure_ascii=False)


def test_matcher_explains_a_contested_hint():
    m = MATCHERS["uk"]
    hint = next(h for h in m.hints("Окупанти обстріляли Херсон.") if h["type"] == T)
    assert hint["concept"] == "territory_control/occupation"
    shown = m.explain(hint)
    assert "occupied" in shown["equivalents"]["en"]
    assert "звільнення" in shown["counterparts"]["liberation"]["uk"]
    assert m.explain({"type": "cue", "term": "заявив", "start": 0, "end": 1}) is None


def test_fold_keeps_offsets_and_joins_spellings():
    assert fold("שלום") == fold("שלומ")  # final mem
    assert fold("أعلن") == "اعلن" and fold("مصطفى") == fold("مصطفي")
    sentence = "ואמרה ש\u05bcהכיבוש"  # a dagesh inside the word
    hint = [h for h in MATCHERS["he"].hints(sentence) if h["type"] == T][0]
    assert sentence[hint["start"]:hint["end"]] == "ש\u05bcהכיבוש"


def test_long_words_and_long_sentences_stay_bounded():
    # a token far longer than any suffix chain is not tried past MAX_REMAINDER
    word = "işgal" + "lerinden" * 50
    assert found("tr", f"{word} geldi.", T) == []
    sentence = " ".join(["Окупанти обстріляли Херсон."] * 2000)
    assert len(found("uk", sentence, T)) == 2000


def test_labelled_sentences_and_their_scores():
    """bench/hints_lang.py's data: at least 25 labelled sentences per language, and its score
    agrees with a count made here by hand from the hints."""
    bench = load_bench("hints_lang")
    for lang in LANGUAGES:
        rows = bench.load(lang)
        assert len(rows) >= 25, lang
        assert {label for label, _ in rows} == set(bench.LABELS), lang
        got = bench.score(lang, rows)
        m = Matcher.for_article(None, lang)
        kinds = [({h["type"] for h in m.hints(text)}, label) for label, text in rows]
        predicted = [label for types, label in kinds if "contested_term" in types]
        support = sum(label == "contested_framing" for _, label in kinds)
        right = predicted.count("contested_framing")
        assert got["contested"]["predicted"] == len(predicted)
        assert got["contested"]["recall"] == (right / support)
        assert got["contested"]["precision"] == (right / len(predicted) if predicted else None)


def test_a_bad_labelled_file_names_its_line(tmp_path):
    bench = load_bench("hints_lang")
    (tmp_path / "xx.tsv").write_text("label\ttext\nneutral_fact\tFine.\nopinion\tNo.\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"xx.tsv:3: expected a label"):
        bench.load("xx", tmp_path)
