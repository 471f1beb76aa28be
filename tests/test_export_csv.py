"""CSV exports of every kind (CLI, API, admin page), spreadsheet-safe; download names; a kind
that cannot apply refuses and an empty kind says why."""
from __future__ import annotations

import codecs
import csv
import io
import json
import re

import pandas as pd
import pytest
from sqlalchemy import select

from annotator import export, ingest, labelling, projects, users
from annotator.articles import add_articles
from annotator.export.csv_rows import cell, write_csv
from annotator.labelling import LabelInput
from annotator.models import Sentence
from helpers import login

# Kinds made from labels; `predictions` needs a trained model (tests/test_model.py).
LABEL_KINDS = [k for k in export.KINDS if k not in ("predictions", "suspects")]

# The first sentence starts with a formula, as a hostile scraped page might.
ARTICLE = {"title": "=HYPERLINK(\"http://evil.example\")", "url": "https://example.org/a",
           "source": "@Wire", "topic": "border conflict", "published": "2026-11-20", "id": "-ext-1",
           "text": "=1+cmd|' /C calc'!A0 said the ministry.\n\nThe occupiers shelled the town again."}
NAME_RE = r"res-{kind}-\d{{8}}T\d{{6}}Z\.{fmt}"


def _setup(db, make_user):
    p = projects.create_project(db, "res", overlap=2)
    db.commit()
    add_articles(db, p, ingest.parse_jsonl("a.jsonl", json.dumps(ARTICLE)), "a.jsonl")
    s1, s2 = db.scalars(select(Sentence).where(Sentence.kind == "body").order_by(Sentence.position)).all()
    for name in ("a", "b"):
        u = make_user(name)
        labelling.save(db, p, s1, u, LabelInput("attributed_claim", comment="+44 said so",
                                                spans=[{"start": 25, "end": 29, "label": "cue"}]),
                       held_only=False)
        labelling.save(db, p, s2, u, LabelInput("contested_framing", spans=[
            {"start": 4, "end": 13, "label": "framing_term", "voice": "author"}]), held_only=False)
    return p


@pytest.mark.parametrize("value, expected", [
    ("=1+1", "'=1+1"), ("+SUM(A1)", "'+SUM(A1)"), ("-2+3", "'-2+3"), ("@cmd", "'@cmd"),
    ("\t=x", "'\t=x"), ("\r=x", "'\r=x"), ("plain", "plain"), ("a=b", "a=b"),
    ("-0.5", "-0.5"), ("+3", "+3"), ("-1e5", "-1e5"), (-0.5, -0.5), (3, 3), (None, ""),
    (True, "true"), (["=x"], '["=x"]'), ({"a": 1}, '{"a":1}'),
])
def test_cells_are_neutralised(value, expected):
    assert cell(value) == expected


def _csv_rows(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


@pytest.mark.parametrize("kind", LABEL_KINDS)
def test_every_kind_as_csv_from_the_cli(app, db, make_user, tmp_path, kind):
    p = _setup(db, make_user)
    recs = list(export.records(db, p, kind))
    db.rollback()
    out = tmp_path / f"x-{kind}.csv"  # the extension chooses the format
    r = app.test_cli_runner().invoke(args=["export", "res", "--kind", kind, "-o", str(out)])
    assert r.exit_code == 0, r.output
    data = out.read_bytes()
    assert not data.startswith(codecs.BOM_UTF8)
    rows = _csv_rows(data)
    assert list(rows[0]) == list(export.FIELDS[kind]) and len(rows) == len(recs) > 0
    df = pd.read_csv(out, keep_default_na=False)
    assert list(df.columns) == list(export.FIELDS[kind]) and len(df) == len(recs)
    for rec, row in zip(recs, rows):
        for key, value in rec.items():
            if isinstance(value, (list, dict)):
                assert json.loads(row[key]) == value  # nested values as JSON text
            elif isinstance(value, str) and value[:1] in "=+-@":
                assert row[key] == "'" + value  # shown as text by a spreadsheet
            elif isinstance(value, bool):
                assert row[key] == str(value).lower()
            elif isinstance(value, (int, float)):
                assert float(row[key]) == value
            else:
                assert row[key] == (value or "")


def test_no_cell_of_any_kind_starts_a_formula(db, make_user):
    p = _setup(db, make_user)
    for kind in LABEL_KINDS:
        buf = io.BytesIO()
        export.write_export(db, p, kind, "csv", buf)
        for row in csv.reader(io.StringIO(buf.getvalue().decode(), newline="")):
            for value in row:
                assert not value[:1] in ("=", "+", "@", "\t", "\r") and not re.match(r"-[^0-9.]", value), (kind, value)


def test_bom_and_negative_numbers_read_back_with_pandas(db, make_user, tmp_path):
    p = _setup(db, make_user)
    path = tmp_path / "g.csv"
    with open(path, "wb") as fh:
        n = export.write_export(db, p, "annotations", "csv", fh, bom=True)
    assert path.read_bytes().startswith(codecs.BOM_UTF8)
    df = pd.read_csv(path, encoding="utf-8-sig")
    assert len(df) == n == 4 and df.columns[0] == "project"
    assert set(df["label"]) == {"attributed_claim", "contested_framing"}
    assert df["sentence_id"].dtype.kind == "i" and df["seconds"].isna().all()
    assert set(df["comment"].dropna()) == {"'+44 said so"}


def test_a_numeric_cell_stays_a_number():
    buf = io.BytesIO()
    write_csv([{"x": -0.5, "y": "-2"}], ["x", "y"], buf)
    df = pd.read_csv(io.BytesIO(buf.getvalue()))
    assert df["x"][0] == -0.5 and df["y"][0] == -2


def test_api_exports_csv_with_a_dated_name(client, db, make_user):
    p = _setup(db, make_user)
    admin = users.create_user(db, "root", "admin", "password123")
    db.commit()
    _, token = users.create_token(db, admin)
    db.commit()
    auth = {"Authorization": f"Bearer {token}"}
    resp = client.get(f"/api/v1/projects/{p.slug}/export?kind=gold&format=csv&bom=1", headers=auth)
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    name = re.search(r'filename="([^"]+)"', resp.headers["Content-Disposition"]).group(1)
    assert re.fullmatch(NAME_RE.format(kind="gold", fmt="csv"), name)
    assert resp.data.startswith(codecs.BOM_UTF8)
    assert [r["label"] for r in _csv_rows(resp.data)] == ["attributed_claim", "contested_framing"]
    resp = client.get(f"/api/v1/projects/{p.slug}/export?kind=sentences", headers=auth)
    name = re.search(r'filename="([^"]+)"', resp.headers["Content-Disposition"]).group(1)
    assert re.fullmatch(NAME_RE.format(kind="sentences", fmt="jsonl"), name)
    resp = client.get(f"/api/v1/projects/{p.slug}/export?format=xlsx", headers=auth)
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "invalid_format"


def test_admin_downloads_csv(client, db, make_user):
    p = _setup(db, make_user)
    make_user("root", role="admin")
    login(client, "root")
    resp = client.get(f"/admin/projects/{p.slug}/export?kind=spans&format=csv&bom=1")
    assert resp.status_code == 200 and resp.data.startswith(codecs.BOM_UTF8)
    name = re.search(r'filename="([^"]+)"', resp.headers["Content-Disposition"]).group(1)
    assert re.fullmatch(NAME_RE.format(kind="spans", fmt="csv"), name)
    assert len(_csv_rows(resp.data)) == 2
    page = client.get(f"/admin/projects/{p.slug}").get_data(as_text=True)
    assert "format=csv" in page


def test_cli_default_name(app, db, make_user, tmp_path):
    _setup(db, make_user)
    r = app.test_cli_runner().invoke(args=["export", "res", "--kind", "babe", "--format", "csv", "--bom"])
    assert r.exit_code == 0, r.output
    files = list((tmp_path / "export").iterdir())
    assert len(files) == 1 and re.fullmatch(NAME_RE.format(kind="babe", fmt="csv"), files[0].name)
    assert files[0].read_bytes().startswith(codecs.BOM_UTF8)


CUSTOM = [{"id": "biased", "name": "Biased", "key": "1"}, {"id": "unbiased", "name": "Unbiased", "key": "2"}]


def test_babe_refuses_a_custom_scheme(app, client, db, make_user):
    p = projects.create_project(db, "own", labels=CUSTOM)
    db.commit()
    with pytest.raises(export.ExportRefused, match="biased, unbiased"):
        export.records(db, p, "babe")
    r = app.test_cli_runner().invoke(args=["export", "own", "--kind", "babe"])
    assert r.exit_code != 0 and "BABE" in r.output and "biased, unbiased" in r.output
    make_user("root", role="admin")
    login(client, "root")
    resp = client.get("/admin/projects/own/export?kind=babe&format=csv")
    assert resp.status_code == 302
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "BABE has no place for" in page
    assert list(export.records(db, p, "gold")) == []  # other kinds apply


def test_an_empty_kind_says_why(app, client, db, make_user):
    p = projects.create_project(db, "res", overlap=1)
    db.commit()
    text = "The ministry said the bridge would reopen.\n\nIt closed in May."
    add_articles(db, p, ingest.parse_jsonl("a.jsonl", json.dumps({"title": "T", "text": text})), "a.jsonl")
    assert "no sentence has been labelled" in export.empty_reason(db, p, "annotations")
    assert export.empty_reason(db, p, "sentences") is None
    u = make_user("a")
    for s in db.scalars(select(Sentence).where(Sentence.kind == "body")).all():
        labelling.save(db, p, s, u, LabelInput("attributed_claim"), held_only=False)
    assert export.empty_reason(db, p, "gold") is None
    reason = export.empty_reason(db, p, "semeval")
    assert "semeval is empty" in reason and "2 sentence(s) have a final label" in reason
    assert "framing_term" in reason
    r = app.test_cli_runner().invoke(args=["export", "res", "--kind", "semeval", "-o", "-", "--format", "csv"])
    assert r.exit_code == 0 and "semeval is empty" in r.output
    make_user("root", role="admin")
    login(client, "root")
    resp = client.get("/admin/projects/res/export?kind=semeval&format=csv")
    assert resp.status_code == 200 and "semeval is empty" in resp.headers["X-Export-Empty"]
    assert _csv_rows(resp.data) == [] and resp.data.startswith(b"article_id,technique")
    assert "semeval is empty" in client.get("/admin/projects/res").get_data(as_text=True)


def test_the_dashboard_offers_reviewers_csv_downloads_they_may_open(client, db, project, make_user):
    """The review dashboard links each of its downloads as CSV for Excel too (a byte order
    mark, spreadsheet-safe cells); a reviewer's request for it is served."""
    import lxml.html

    from helpers import login

    make_user("rev", "reviewer")
    login(client, "rev")
    doc = lxml.html.fromstring(client.get("/projects/news/review").data)
    links = [h for h in doc.xpath("//a[@download]/@href") if "format=csv" in h]
    assert len(links) == 2
    for href in links:
        resp = client.get(href)
        assert resp.status_code == 200 and resp.data.startswith(b"\xef\xbb\xbf"), href
        assert "text/csv" in resp.headers["Content-Type"]
