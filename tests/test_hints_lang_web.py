"""The wiring of lexicons per language: the hints of a sentence come from its article's
language (the API's `next`, the no-JavaScript label path's hints_shown, hint quality), and the
admin's lexicon page shows the concepts."""
from __future__ import annotations

import json

from annotator import ingest, projects, users
from annotator.articles import add_articles
from annotator.models import Annotation
from helpers import login

RU = "Оккупанты обстреляли село, заявил губернатор. Погода была ясной."


def _project_with(db, lang_text: str, lang: str):
    p = projects.create_project(db, "multi", "Multi", overlap=1)
    db.commit()
    row = json.dumps({"title": "T", "text": lang_text, "lang": lang}, ensure_ascii=False)
    add_articles(db, p, ingest.parse_file("a.jsonl", row.encode()), "a.jsonl")
    db.commit()
    return p


def _next(client, db, make_user, name="ann"):
    u = make_user(name)
    _, token = users.create_token(db, u)
    db.commit()
    h = {"Authorization": f"Bearer {token}"}
    return client.get("/api/v1/projects/multi/next", headers=h).get_json()["sentence"], h


def test_next_shows_the_hints_of_the_article_language(client, db, make_user):
    _project_with(db, RU, "ru")
    s, _ = _next(client, db, make_user)
    hints = [(h["type"], s["text"][h["start"]:h["end"]], h["term"], h.get("concept"))
             for h in s["hints"]]
    assert hints == [("contested_term", "Оккупанты", "оккупант", "territory_control/occupation"),
                     ("cue", "заявил", "заявил", None)]


def test_an_own_lexicon_for_english_leaves_russian_its_default(client, db, make_user):
    p = _project_with(db, RU, "ru")
    p.lexicon = {"version": 1, "lang": "en", "cues": ["reckons"], "contested_terms": []}
    db.commit()
    s, _ = _next(client, db, make_user)
    assert {h["term"] for h in s["hints"]} == {"оккупант", "заявил"}


def test_an_own_lexicon_without_lang_is_used_for_every_article(client, db, make_user):
    p = _project_with(db, RU, "ru")
    p.lexicon = {"version": 1, "cues": ["заявил"], "contested_terms": []}
    db.commit()
    s, _ = _next(client, db, make_user)
    assert [h["term"] for h in s["hints"]] == ["заявил"]


def test_the_no_javascript_label_stores_the_language_hints(client, db, make_user):
    _project_with(db, RU, "ru")
    make_user("ann")
    token = login(client, "ann")
    page = client.get("/projects/multi/annotate", headers={"Accept": "application/json"}).get_json()
    sid = page["sentence"]["id"]
    resp = client.post("/projects/multi/annotate",
                       data={"sentence_id": sid, "label": "contested_framing", "csrf_token": token})
    assert resp.status_code in (302, 303), resp.get_data(as_text=True)[:300]
    db.rollback()
    ann = db.query(Annotation).filter_by(sentence_id=sid).one()
    assert ann.hints_shown == ["оккупант", "заявил"]


def test_the_lexicon_page_shows_concepts(client, db, make_user):
    projects.create_project(db, "multi", "Multi", overlap=1)
    db.commit()
    make_user("root", "admin")
    login(client, "root")
    data = client.get("/admin/projects/multi/lexicon", headers={"Accept": "application/json"}).get_json()
    control = data["concepts"]["territory_control"]["sides"]
    assert "besetzt" in control["occupation"]["terms"]["de"]
    assert "liberated" in control["liberation"]["terms"]["en"]
    download = json.loads(client.get("/admin/projects/multi/lexicon?download=1").get_data(as_text=True))
    occupied = next(e for e in download["contested_terms"] if e["term"] == "occupied")
    assert occupied["concept"] == "territory_control/occupation"
