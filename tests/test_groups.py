"""Agreement per language and label rates per outlet and language, with intervals over
articles (issue 22 item 6)."""
from __future__ import annotations

import json

import krippendorff
import numpy as np
import pytest
from sqlalchemy import select

from annotator import assign, ingest, labelling, projects
from annotator.articles import add_articles
from annotator.labelling import LabelInput
from annotator.models import Annotation, Article, Sentence, User
from annotator.review.groups import by_language


def _articles(db, project):
    lines = []
    for i in range(4):
        for lang, outlet, text in (
                ("de", "Zeit", f"Der Minister sagte am {i + 1}. Mai, die Gespräche seien gescheitert. "
                               f"Die Brücke ist {i + 12} Kilometer lang. Sie wurde 1990 eröffnet."),
                ("en", "Times", f"The minister said on May {i + 1} that the talks failed. The bridge "
                                f"is {i + 12} kilometres long. It opened in 1990.")):
            lines.append(json.dumps({"title": f"{outlet} {i}", "text": text, "source": outlet,
                                     "lang": lang, "id": f"{outlet}-{i}"}))
    add_articles(db, project, ingest.parse_file("many.jsonl", "\n".join(lines).encode()), "many.jsonl")


def test_agreement_per_language_and_rates_per_outlet(db, make_user):
    project = projects.create_project(db, "multi", "Multi", overlap=2)
    db.commit()
    _articles(db, project)
    a, b = make_user("a"), make_user("b")
    rng = np.random.default_rng(3)
    labels = ["attributed_claim", "contested_framing", "neutral_fact"]
    for u in (a, b):
        while (s := assign.next_sentence(db, project, u)) is not None:
            labelling.save(db, project, s, u, LabelInput(labels[int(rng.integers(0, 3))]), held_only=False)
    out = by_language(db, project)
    assert set(out["agreement"]) == {"de", "en"}
    # Each language's alpha equals krippendorff's over that language's sentences alone.
    for lang in ("de", "en"):
        q = (select(Annotation.sentence_id, User.username, Annotation.label)
             .join(User, User.id == Annotation.user_id)
             .join(Sentence, Sentence.id == Annotation.sentence_id)
             .join(Article, Article.id == Sentence.article_id)
             .where(Article.lang == lang, Sentence.kind == "body"))
        recs = db.execute(q).all()
        sids = sorted({r[0] for r in recs})
        M = np.full((2, len(sids)), np.nan)
        for sid, who, lab in recs:
            M[["a", "b"].index(who), sids.index(sid)] = labels.index(lab)
        got = out["agreement"][lang]
        assert got["alpha"] == pytest.approx(krippendorff.alpha(reliability_data=M, level_of_measurement="nominal"))
        assert got["alpha_ci95_over"] == "articles" and got["units"] == len(sids), got
    rates = {(r["outlet"], r["lang"]): r for r in out["rates"]}
    assert set(rates) == {("Zeit", "de"), ("Times", "en")}
    for (outlet, lang), r in rates.items():
        given = [lab for (lab,) in db.execute(
            select(Annotation.label).join(Sentence, Sentence.id == Annotation.sentence_id)
            .join(Article, Article.id == Sentence.article_id).where(Article.source == outlet))]
        assert r["annotations"] == len(given) and r["articles"] == 4
        for lab in labels:
            share = r["labels"][lab]
            assert share["share"] == pytest.approx(given.count(lab) / len(given))
            lo, hi = share["ci95"]
            assert lo <= share["share"] <= hi
    # The filters of the dashboard apply.
    only_de = by_language(db, project, langs=["de"])
    assert set(only_de["agreement"]) == {"de"}
