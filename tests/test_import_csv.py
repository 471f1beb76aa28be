"""CSV and TSV import: articles per row, pre-split sentences kept as given; errors name the
file, line and field; all or nothing; a CSV import read back through a CSV export."""
from __future__ import annotations

import csv
import io
import json

import pandas as pd
import pytest
from sqlalchemy import func, select

from annotator import export, ingest, labelling, projects, users
from annotator.articles import add_articles
from annotator.ingest import IngestError
from annotator.labelling import LabelInput
from annotator.models import Article, Sentence


def _csv(rows: list[list[str]], delimiter: str = ",") -> bytes:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter).writerows(rows)
    return buf.getvalue().encode()


ARTICLES = _csv([
    ["title", "text", "url", "source", "published", "id", "topic", "lang"],
    ["Bridge reopens", "The mayor said the bridge would reopen.\nIt closed in May, officials said.",
     "https://example.org/b", "Daily", "2026-11-20", "b-1", "transport", "en"],
    ["Brücke", "Die Brücke ist wieder offen.", "", "", "", "b-2", "", "de"],
])


def _error(name: str, data: bytes) -> IngestError:
    with pytest.raises(IngestError) as info:
        ingest.parse_file(name, data)
    return info.value


def test_articles_per_row():
    first, second = ingest.parse_file("news.csv", ARTICLES)
    assert (first.title, first.url, first.source, first.published, first.external_id, first.topic,
            first.lang, first.line) == ("Bridge reopens", "https://example.org/b", "Daily",
                                        "2026-11-20", "b-1", "transport", "en", 2)
    # a line break in a cell is a paragraph break
    assert first.text == "The mayor said the bridge would reopen.\n\nIt closed in May, officials said."
    assert (second.url, second.source, second.lang, second.line) == (None, None, "de", 4)


def test_tsv_and_a_byte_order_mark():
    data = b"\xef\xbb\xbf" + _csv([["text", "title"], ["One sentence here.", "T"]], "\t")
    (art,) = ingest.parse_file("news.tsv", data)
    assert (art.title, art.text) == ("T", "One sentence here.")


@pytest.mark.parametrize("rows, line, words", [
    ([["Bridge reopens", "Some text."]], 1, "header"),
    ([["title", "text", "author"], ["T", "x"]], 1, "unknown column 'author'"),
    ([["title", "url"], ["T", "u"]], 1, "no text column"),
    ([["title", "text", "title"], ["T", "x", "y"]], 1, "'title' appears twice"),
    ([["title", "text"], ["T", "A text\nover two lines."], ["", "No title."]], 4, "title is missing"),
    ([["title", "text"], ["T", "x", "extra"]], 2, "3 fields, but the header names 2"),
    ([["title", "text", "lang"], ["T", "x", "english please"]], 2, "lang: a language tag"),
    ([["article_id", "position", "text"], ["a", "first", "x"]], 2, "position: a whole number"),
    ([["article_id", "position", "text"], ["a", "1", "x"], ["a", "1", "y"]], 3, "position 1 of article 'a' is on line 2"),
    ([["article_id", "position", "text"], ["a", "1", " "]], 2, "text is empty"),
    ([["article_id", "text"], ["a", "x"]], 1, "unknown column"),
])
def test_errors_name_the_line_and_field(rows, line, words):
    err = _error("in.csv", _csv(rows))
    assert err.filename == "in.csv" and err.line == line and words in err.message, str(err)


def test_bad_quoting_names_its_line():
    err = _error("in.csv", b'title,text\nT,"unclosed\nquote\n')
    assert err.line is not None and "not valid CSV" in err.message


def test_a_bad_row_stores_nothing(app, db):
    p = projects.create_project(db, "news")
    db.commit()
    path = app.instance_path + "/bad.csv"
    with open(path, "wb") as fh:
        fh.write(ARTICLES + _csv([["", "No title here."]]))
    r = app.test_cli_runner().invoke(args=["import", "news", path])
    assert r.exit_code != 0 and "bad.csv, line 5: title is missing" in r.output
    assert db.scalar(select(func.count()).select_from(Article)) == 0
    with open(path, "wb") as fh:
        fh.write(ARTICLES)
    r = app.test_cli_runner().invoke(args=["import", "news", path])
    assert r.exit_code == 0 and "2 article(s)" in r.output, r.output
    db.rollback()  # a fresh read: the CLI wrote through a session of its own
    assert db.scalar(select(Article.lang).where(Article.external_id == "b-2")) == "de"


# Units the segmenter would cut otherwise: they stay as given.
UNITS = _csv([
    ["article_id", "position", "text", "title", "lang"],
    ["a7", "2", "Then it rained. A lot.", "", ""],
    ["a7", "0", "Dr. Smith arrived", "Rain day", "en"],
    ["b3", "5", "Only one unit.", "", ""],
    ["a7", "1", "at 3 p.m. on Monday", "", ""],
])


def test_pre_split_sentences_are_kept_as_given(db):
    p = projects.create_project(db, "units")
    db.commit()
    arts = ingest.parse_file("units.csv", UNITS)
    report = add_articles(db, p, arts, "units.csv")
    assert len(report.added) == 2 and report.sentences == 4
    a7 = db.scalar(select(Article).where(Article.external_id == "a7"))
    assert (a7.title, a7.lang) == ("Rain day", "en")
    texts = [s.text for s in a7.sentences]
    assert texts == ["Dr. Smith arrived", "at 3 p.m. on Monday", "Then it rained. A lot."]
    assert a7.text == " ".join(texts)
    assert all(a7.text[s.start:s.end] == s.text and s.kind == "body" for s in a7.sentences)
    b3 = db.scalar(select(Article).where(Article.external_id == "b3"))
    assert b3.title == "b3" and [s.text for s in b3.sentences] == ["Only one unit."]
    # the same file again stores nothing twice
    again = add_articles(db, p, ingest.parse_file("units.csv", UNITS), "units.csv")
    assert again.added == [] and len(again.skipped) == 2


def test_api_imports_csv(client, db):
    p = projects.create_project(db, "news")
    admin = users.create_user(db, "root", "admin", "password123")
    db.commit()
    _, token = users.create_token(db, admin)
    db.commit()
    auth = {"Authorization": f"Bearer {token}"}
    resp = client.post("/api/v1/projects/news/articles", data=UNITS, headers=auth, content_type="text/csv")
    assert resp.status_code == 201, resp.get_data(as_text=True)
    assert resp.get_json()["sentences"] == 4
    bad = client.post("/api/v1/projects/news/articles", data=b"title,text\n,x\n", headers=auth,
                      content_type="text/csv")
    assert bad.status_code == 400 and "request.csv, line 2" in bad.get_json()["error"]["message"]
    assert db.scalar(select(func.count()).select_from(Article).where(Article.project_id == p.id)) == 2


def test_csv_in_csv_out(db, make_user, tmp_path):
    """A CSV import, labelled, exported as CSV and read back with csv and pandas: the same
    texts, the article's language on every record (given, or detected where not given)."""
    p = projects.create_project(db, "rt", overlap=1)
    db.commit()
    add_articles(db, p, ingest.parse_file("units.csv", UNITS), "units.csv")
    u = make_user("a")
    for s in db.scalars(select(Sentence).order_by(Sentence.id)).all():
        labelling.save(db, p, s, u, LabelInput("neutral_fact"), held_only=False)
    path = tmp_path / "out.csv"
    with open(path, "wb") as fh:
        export.write_export(db, p, "sentences", "csv", fh, bom=True)
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    df = pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False)
    given = [r[2] for r in csv.reader(io.StringIO(UNITS.decode())) if r[0] != "article_id"]
    assert sorted(r["text"] for r in rows) == sorted(df["text"]) == sorted(given)
    assert {r["article_lang"] for r in rows} == {"en"}  # b3 gives none: "Only one unit." is detected
    assert [json.loads(r["annotations"])[0]["label"] for r in rows] == ["neutral_fact"] * 4
