"""Storing imports: segmenting happens outside the write transaction; duplicates are skipped."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, text

from annotator import articles, assign, ingest, labelling, projects
from annotator.models import Annotation, Article, Sentence
from annotator.labelling import LabelInput


def _items(*texts: str):
    lines = "".join(f'{{"title": "T{i}", "text": "{t}"}}\n' for i, t in enumerate(texts))
    return ingest.parse_file("batch.jsonl", lines.encode())


def test_a_label_is_stored_while_an_import_segments(app, db, project, make_user, monkeypatch):
    """An annotator's write must not wait for a long import's segmentation (on SQLite the
    write transaction holds the database's one write lock)."""
    alice = make_user("alice")
    db.commit()
    sentence = assign.next_sentence(db, project, alice)
    db.commit()
    sessions = app.extensions["annotator.sessionmaker"]
    outcome = {}

    def label_now():
        with sessions() as other:
            p = other.get(type(project), project.id)
            s = other.get(type(sentence), sentence.id)
            u = other.get(type(alice), alice.id)
            outcome["result"] = labelling.save(other, p, s, u, LabelInput("neutral_fact"), held_only=False)[1]

    real = articles.segment_all

    def segment_while_someone_labels(pairs):
        t = threading.Thread(target=label_now, daemon=True)
        t.start()
        t.join(timeout=20)
        outcome["finished_during_segmentation"] = not t.is_alive()
        return real(pairs)

    monkeypatch.setattr(articles, "segment_all", segment_while_someone_labels)
    report = articles.add_articles(db, project, _items("A new article. It has two sentences."), "b")
    assert outcome == {"result": "created", "finished_during_segmentation": True}
    assert len(report.added) == 1
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Annotation)) == 1


def test_an_article_added_meanwhile_is_skipped_not_stored_twice(db, monkeypatch):
    p = projects.create_project(db, "p")
    db.commit()
    real = articles.segment_all

    def someone_imports_the_same_first(pairs):
        result = real(pairs)
        with db.get_bind().connect() as conn:  # a second import, committed before ours writes
            conn.execute(Article.__table__.insert().values(
                project_id=p.id, title="T0", text="Same text. Twice.",
                text_hash=articles.text_hash("Same text. Twice.")))
            conn.commit()
        return result

    monkeypatch.setattr(articles, "segment_all", someone_imports_the_same_first)
    report = articles.add_articles(db, p, _items("Same text. Twice.", "Other text here."), "b")
    assert len(report.added) == 1
    assert report.skipped == ["b, line 1: 'T0' is in the project already, skipped"]
    assert db.scalar(select(func.count()).select_from(Article).where(Article.project_id == p.id)) == 2


def test_an_import_leaves_the_planner_statistics_of_what_it_filled(db):
    """On PostgreSQL an import ANALYZEs articles and sentences: until autovacuum's next nap the
    planner would otherwise take them for empty and plan the annotate loop's counts as nested
    loops over the whole project (90 ms a count instead of 2 ms)."""
    if db.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite plans these queries from its indexes alone")
    p = projects.create_project(db, "stats")
    db.commit()
    report = articles.add_articles(db, p, _items(*[f"Article {i} says this. It also says that."
                                                   for i in range(3)]), "b")
    assert len(report.added) == 3
    rows = db.scalar(select(func.count()).select_from(Article))
    stats = dict(db.execute(text(
        "SELECT relname, reltuples FROM pg_class WHERE oid IN "
        "(to_regclass('articles'), to_regclass('sentences'))")).all())
    assert stats["articles"] == rows == 3
    assert stats["sentences"] == report.sentences > 0
    # Twenty more (more than a tenth): counted again; then one more (less): left to autovacuum.
    more = articles.add_articles(db, p, _items(*[f"Item {i} reports it. A second line."
                                                 for i in range(20)]), "c")
    assert _reltuples(db, "articles") == 23 and len(more.added) == 20
    articles.add_articles(db, p, _items("One more item. And its end."), "d")
    assert _reltuples(db, "articles") == 23


def _reltuples(db, table: str) -> float:
    return db.scalar(text("SELECT reltuples FROM pg_class WHERE oid = to_regclass(:t)"), {"t": table})


def test_the_same_article_by_id_or_url_is_skipped_though_its_text_differs(db):
    """A page imported again after its text was extracted differently (a newer version of the
    importer, a re-scrape) is still the same article: the same external id or URL."""
    p = projects.create_project(db, "p")
    db.commit()
    first = ingest.parse_file("a.jsonl", b'{"title": "A", "text": "One text.", "id": "x1"}\n'
                                         b'{"title": "B", "text": "Two text.", "url": "https://e.org/b"}\n')
    assert len(articles.add_articles(db, p, first, "a").added) == 2
    again = ingest.parse_file("b.jsonl", b'{"title": "A", "text": "One text, extracted anew.", "id": "x1"}\n'
                                         b'{"title": "B", "text": "Two, anew.", "url": "https://e.org/b"}\n'
                                         b'{"title": "C", "text": "Three text.", "id": "x3"}\n'
                                         b'{"title": "D", "text": "Four text.", "id": "x3"}\n')
    report = articles.add_articles(db, p, again, "b")
    assert len(report.added) == 1
    assert report.skipped == [f"b, line {n}: {t!r} is in the project already, skipped"
                              for n, t in ((1, "A"), (2, "B"), (4, "D"))]
    assert db.scalar(select(func.count()).select_from(Article).where(Article.project_id == p.id)) == 3


def test_units_cut_by_the_length_cap_are_stored_long(db):
    """A run with no sentence boundary is cut into pieces flagged `long`; sentences are not."""
    p = projects.create_project(db, "capped")
    db.commit()
    words = " ".join(f"word{i}" for i in range(600))  # about 5,000 characters, no full stop
    articles.add_articles(db, p, _items(f"A short sentence.\\n{words}"), "b")
    units = db.scalars(select(Sentence).where(Sentence.project_id == p.id)
                       .order_by(Sentence.position)).all()
    assert units[0].text == "A short sentence." and not units[0].long
    assert len(units) > 2 and all(u.long for u in units[1:])
