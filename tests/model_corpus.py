"""The labelled sentences of tests/data/labelled_sentences.tsv, and a project labelled with them
(for tests/test_model*.py and bench/model.py)."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
from sqlalchemy import select

from annotator import ingest, labelling, projects
from annotator.articles import add_articles
from annotator.labelling import LabelInput
from annotator.models import Article, Sentence

CORPUS = Path(__file__).resolve().parent / "data" / "labelled_sentences.tsv"
PER_ARTICLE = 10


def corpus() -> tuple[list[str], list[str]]:
    """(sentences, labels), in file order."""
    texts, labels = [], []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            label, text = line.split("\t")
            texts.append(text)
            labels.append(label)
    return texts, labels


def labelled_project(db, annotator, slug: str = "m", n: int | None = None):
    """A project whose body units are `n` sentences of the corpus (pre-split, ten to an
    article), each labelled by `annotator` with its corpus label: one label makes a final
    label. Returns (project, {sentence id: label})."""
    texts, labels = corpus()
    if n is not None:  # the labels in turn (the file is grouped by label)
        order = sorted(range(len(texts)), key=lambda i: (labels[:i].count(labels[i]), labels[i]))[:n]
        texts, labels = [texts[i] for i in order], [labels[i] for i in order]
    p = projects.create_project(db, slug, slug.upper(), overlap=1)
    db.commit()
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["article_id", "position", "text"])
    for i, text in enumerate(texts):
        w.writerow([f"a{i // PER_ARTICLE}", i % PER_ARTICLE, text])
    add_articles(db, p, ingest.parse_file("corpus.csv", buf.getvalue().encode()), "corpus.csv")
    by_text = dict(zip(texts, labels))
    truth = {}
    for s in db.scalars(select(Sentence).join(Article).where(Sentence.project_id == p.id)
                        .order_by(Article.id, Sentence.position)):
        truth[s.id] = by_text[s.text]
        labelling.save(db, p, s, annotator, LabelInput(by_text[s.text]), held_only=False)
    return p, truth


# ------------------------------------------------------------------ planted label errors
# (for tests/test_suspects.py and bench/suspects.py)

def flip_random(labels: list[str], share: float, seed: int) -> tuple[list[str], set[int]]:
    """`labels` with round(share * n) of them, drawn at random, changed to another label drawn
    at random; and the positions changed."""
    rng = np.random.default_rng(seed)
    scheme = sorted(set(labels))
    chosen = rng.choice(len(labels), round(share * len(labels)), replace=False)
    noisy = list(labels)
    for i in chosen.tolist():
        noisy[i] = str(rng.choice([label for label in scheme if label != labels[i]]))
    return noisy, set(chosen.tolist())


def flip_systematic(labels: list[str], share: float, seed: int, source: str = "contested_framing",
                    target: str = "neutral_fact") -> tuple[list[str], set[int]]:
    """`labels` with round(share * n) of them, all `source` labels drawn at random, changed to
    `target` (an annotator who misses loaded words); and the positions changed."""
    rng = np.random.default_rng(seed)
    pool = [i for i, label in enumerate(labels) if label == source]
    chosen = rng.choice(pool, round(share * len(labels)), replace=False)
    noisy = list(labels)
    for i in chosen.tolist():
        noisy[i] = target
    return noisy, set(chosen.tolist())


def precision_at_top(ranked, planted: set[int], n: int, share: float) -> float:
    """Share of planted errors among the first round(share * n) positions of `ranked` (the
    flagged positions, most suspect first; fewer where fewer are flagged)."""
    top = list(ranked[: round(share * n)])
    return sum(i in planted for i in top) / len(top) if top else 0.0
