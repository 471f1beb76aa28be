"""Issue 16's goals on the news-page corpus (tests/data/pages/), scored as bench/extract.py
scores them: the text that must reach the labelling queue does, page furniture does not, no
article is lost and no page refused, and the headline is the article's."""

from __future__ import annotations

import pytest

from helpers import load_bench

extract = load_bench("extract")


@pytest.fixture(scope="module")
def score():
    return extract.score_corpus()


def test_the_corpus_covers_the_issue():
    corpus = extract.load_corpus()
    assert len(corpus) >= 40
    assert sum(side["encoding"] != "utf-8" for _n, _d, side in corpus) >= 5
    assert sum(side["lang"] != "en" for _n, _d, side in corpus) >= 10
    for name, _data, side in corpus:
        assert side["must"] and side["must_not"], name


def test_no_page_refused_and_no_article_lost(score):
    assert score.refused == []
    assert score.lost == []


def test_must_text_reaches_the_queue(score):
    missed = [(p.name, x[:60]) for p in score.pages for x in p.missed]
    assert score.must >= extract.GOALS["must"], missed


def test_furniture_stays_out_of_the_queue(score):
    leaked = [(p.name, x[:60]) for p in score.pages for x in p.leaked]
    assert score.furniture <= extract.GOALS["furniture"], leaked


def test_headlines(score):
    assert [p.name for p in score.pages if not p.title_ok] == []
