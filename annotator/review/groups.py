"""Figures per group of articles, side by side with intervals: agreement per language, and the
rate of each label per outlet and language (issue 22 item 6; no Flask import).

A study of cross-border framing compares outlets and languages. Sentences of one article are
not independent draws (one outlet, one topic, one reading), so every interval here resamples
whole articles within the group.
"""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..labels import label_ids
from ..models import Article, Project, Sentence
from . import agreement, intervals
from .matrix import rows

UNKNOWN_OUTLET, UNKNOWN_LANG = "unknown outlet", "und"  # "und": BCP 47 for undetermined


def alpha_with_interval(recs: Iterable[tuple], labels: list[str]) -> dict:
    """Alpha of (sentence, annotator, label, article) records with its 95% interval over
    articles (over sentences where they come from one article): {"annotations", "units"
    (pairable), "alpha", "alpha_ci95", "alpha_ci95_over"}."""
    recs = list(recs)
    M, units, _ = agreement.build_matrix([r[:3] for r in recs], labels)
    article_of = {r[0]: r[3] for r in recs}
    k, over, ci = len(labels), "articles", None
    alpha = agreement.krippendorff_alpha(M, k) if len(M) else None
    if alpha is not None:
        ci = agreement.alpha_cluster_bootstrap_ci(M, k, [article_of[u] for u in units])
        if ci is None:
            ci, over = agreement.alpha_bootstrap_ci(M, k), "units"
    return {"annotations": len(recs),
            "units": int(((M >= 0).sum(axis=1) >= 2).sum()) if len(M) else 0,
            "alpha": None if alpha is None else float(alpha),
            "alpha_ci95": None if ci is None else [float(ci[0]), float(ci[1])],
            "alpha_ci95_over": over}


def _articles(session: Session, project: Project) -> dict[int, tuple[str, str]]:
    """article id -> (outlet, primary language subtag)."""
    return {aid: (source or UNKNOWN_OUTLET, (lang or UNKNOWN_LANG).split("-")[0].lower())
            for aid, source, lang in session.execute(
                select(Article.id, Article.source, Article.lang)
                .where(Article.project_id == project.id))}


def by_language(session: Session, project: Project, recs: list | None = None, **filters) -> dict:
    """{"agreement": {lang: alpha_with_interval}, "rates": [{"outlet", "lang", "articles",
    "annotations", "labels": {label: {"share", "ci95"}}}]}: agreement per language, and the
    share of each label among the labels given to an outlet's sentences in one language (every
    annotator's label counts), each with a 95% interval over the group's articles. `recs`:
    (sentence, annotator, label, article) rows of matrix.rows, where the caller has them."""
    labels = label_ids(project.labels)
    index = {lab: i for i, lab in enumerate(labels)}
    articles = _articles(session, project)
    if recs is None:
        recs = rows(session, project, Sentence.article_id, **filters)
    per_lang: dict[str, list] = {}
    counts: dict[tuple[str, str], dict[int, np.ndarray]] = {}
    for sid, who, label, aid in recs:
        outlet, lang = articles.get(aid, (UNKNOWN_OUTLET, UNKNOWN_LANG))
        per_lang.setdefault(lang, []).append((sid, who, label, aid))
        row = counts.setdefault((outlet, lang), {}).setdefault(aid, np.zeros(len(labels)))
        row[index[label]] += 1
    rates = []
    for (outlet, lang), by_article in sorted(counts.items()):
        C = np.array(list(by_article.values()))  # articles x labels
        total = C.sum()
        W = intervals.resample_weights(np.ones(len(C)))  # resamples x articles
        boot = (W @ C) / (W @ C.sum(axis=1))[:, None]
        rates.append({"outlet": outlet, "lang": lang, "articles": len(C),
                      "annotations": int(total),
                      "labels": {lab: {"share": float(C[:, i].sum() / total),
                                       "ci95": list(intervals.percentile_interval(boot[:, i]))
                                       if len(C) > 1 else None}
                                 for i, lab in enumerate(labels)}})
    return {"agreement": {lang: alpha_with_interval(r, labels) for lang, r in sorted(per_lang.items())},
            "rates": rates}
