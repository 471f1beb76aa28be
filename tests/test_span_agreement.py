"""Span agreement per span type (issue 20 item 6): token-level F1 between annotators, checked
against scikit-learn's F1 over the same token decisions."""
from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest
from sklearn.metrics import f1_score
from sqlalchemy import select

from annotator import assign, labelling
from annotator.hints.tokens import token_spans
from annotator.labelling import LabelInput
from annotator.models import Sentence
from annotator.review.span_agreement import span_agreement, tokens_in


def _span(text, word, label):
    start = text.index(word)
    return {"start": start, "end": start + len(word), "label": label}


def test_tokens_follow_words_not_characters():
    text = "The ministry said, on Monday, that talks failed."
    assert tokens_in(text, [_span(text, "ministry said, ", "cue")], "cue") == {1, 2}
    assert tokens_in(text, [_span(text, "inistr", "cue")], "cue") == {1}
    assert tokens_in(text, [_span(text, "ministry", "source")], "cue") == set()


def test_f1_matches_scikit_learn_over_every_pair(db, project, make_user):
    people = [make_user(n) for n in ("a", "b", "c")]
    project.overlap = 3
    db.commit()
    rng = np.random.default_rng(5)
    given = {}
    for u in people:
        while (s := assign.next_sentence(db, project, u)) is not None:
            words = [(a, b) for a, b, _ in token_spans(s.text)]
            spans = []
            for label in ("source", "cue"):
                if words and rng.random() < 0.7:
                    i = int(rng.integers(0, len(words)))
                    j = min(len(words) - 1, i + int(rng.integers(0, 3)))
                    spans.append({"start": words[i][0], "end": words[j][1], "label": label})
            labelling.save(db, project, s, u, LabelInput("attributed_claim", spans=spans), held_only=False)
            given.setdefault(s.id, []).append(spans)
    result = span_agreement(db, project, resamples=200)
    texts = dict(db.execute(select(Sentence.id, Sentence.text)).all())
    for span_type in ("source", "cue"):
        y_a, y_b = [], []
        for sid, lists in given.items():
            n = len(token_spans(texts[sid]))
            for x, y in combinations(lists, 2):
                ta, tb = tokens_in(texts[sid], x, span_type), tokens_in(texts[sid], y, span_type)
                y_a += [i in ta for i in range(n)]
                y_b += [i in tb for i in range(n)]
        expected = f1_score(y_a, y_b)
        got = result[span_type]
        assert got["f1"] == pytest.approx(expected)
        lo, hi = got["f1_ci95"]
        assert lo <= got["f1"] <= hi
        assert got["compared"] == len(given)
    assert result["framing_term"] == {"f1": None, "f1_ci95": None, "sentences": 0,
                                      "compared": len(given)}
