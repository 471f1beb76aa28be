"""The article view and the context window (issue 17 item 1): paragraphs derived from the article
text between unit offsets, headings and boilerplate, the project's window in sentences or
paragraphs, the same data on the page's JSON twin and the API, and the whole article with the
user's own labels. Runs on SQLite and PostgreSQL like every test."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from annotator import ingest, projects, sentences, users
from annotator.articles import add_articles
from annotator.models import Article, Sentence
from helpers import form_values, login

# Two paragraphs split by a blank line, one by a single line break, a heading, and a caption
# credit line (boilerplate) inside the last stretch.
TEXT = ("Alpha one said the mayor. Alpha two follows here. Alpha three ends it.\n\n"
        "How the vote went\n\n"
        "Beta one opens the paragraph. Beta two is in the middle. Beta three closes.\n"
        "Gamma one is a new line. Gamma two shares the line.\n\n"
        "Advertisement\n\n"
        "Delta one comes after the advert. Delta two is the last sentence here.")


def unit(start, end, kind="body"):
    return {"start": start, "end": end, "kind": kind}


def test_paragraph_starts_follow_line_breaks_between_units():
    text = "One. Two.\n\nThree.\nFour. Five."
    spans = [(0, 4), (5, 9), (11, 17), (18, 23), (24, 29)]
    assert [text[a:b] for a, b in spans] == ["One.", "Two.", "Three.", "Four.", "Five."]
    assert sentences.paragraph_starts(text, spans) == [True, False, True, True, False]
    # Pre-split units joined by spaces: one paragraph; a Windows line break counts as a break.
    assert sentences.paragraph_starts("A. B. C.", [(0, 2), (3, 5), (6, 8)]) == [True, False, False]
    assert sentences.paragraph_starts("A.\r\nB.", [(0, 2), (4, 6)]) == [True, True]
    assert sentences.paragraph_starts("", []) == []


def test_blocks_are_headings_paragraphs_and_boilerplate():
    text = "Head\n\nOne. Two.\n\nShare this\n\nThree."
    units = [unit(0, 4, "heading"), unit(6, 10), unit(11, 15), unit(17, 27, "boilerplate"),
             unit(29, 35)]
    got = sentences.blocks(text, units)
    assert [(b["kind"], [text[u["start"]:u["end"]] for u in b["units"]]) for b in got] == [
        ("heading", ["Head"]), ("paragraph", ["One.", "Two."]),
        ("boilerplate", ["Share this"]), ("paragraph", ["Three."])]


def _units(text):
    """The units of TEXT as sentences.context_of takes them (kinds given by hand)."""
    pieces = ["Alpha one said the mayor.", "Alpha two follows here.", "Alpha three ends it.",
              "How the vote went", "Beta one opens the paragraph.", "Beta two is in the middle.",
              "Beta three closes.", "Gamma one is a new line.", "Gamma two shares the line.",
              "Advertisement", "Delta one comes after the advert.",
              "Delta two is the last sentence here."]
    out, at = [], 0
    for p in pieces:
        start = text.index(p, at)
        kind = "heading" if p.startswith("How") else "boilerplate" if p == "Advertisement" else "body"
        out.append({"start": start, "end": start + len(p), "kind": kind, "text": p})
        at = start + len(p)
    return out


def test_context_in_sentences_skips_boilerplate_and_marks_breaks():
    units = _units(TEXT)
    starts = sentences.paragraph_starts(TEXT, [(u["start"], u["end"]) for u in units])
    # "Beta two": two body or heading units on each side; "Beta one" begins the paragraph.
    ctx = sentences.context_of(units, starts, 5, "sentences", 2)
    assert ctx["before"] == ["How the vote went", "Beta one opens the paragraph."]
    assert ctx["after"] == ["Beta three closes.", "Gamma one is a new line."]
    assert ctx["kinds"] == {"before": ["heading", "body"], "after": ["body", "body"]}
    assert ctx["breaks"] == {"before": [True, True], "after": [False, True], "sentence": False}
    assert ctx["window"] == {"unit": "sentences", "size": 2}
    # The advert between Gamma two and Delta one is left out; Delta one begins a paragraph.
    ctx = sentences.context_of(units, starts, 8, "sentences", 1)
    assert ctx["before"] == ["Gamma one is a new line."] and ctx["after"] == ["Delta one comes after the advert."]
    assert ctx["breaks"]["after"] == [True] and ctx["breaks"]["sentence"] is False
    assert sentences.context_of(units, starts, 0, "sentences", 0)["before"] == []
    assert sentences.context_of(units, starts, 0, "sentences", 3)["before"] == []  # the first


def test_context_in_paragraphs_takes_whole_paragraphs_on_each_side():
    units = _units(TEXT)
    starts = sentences.paragraph_starts(TEXT, [(u["start"], u["end"]) for u in units])
    # Own paragraph only (size 0): the rest of "Beta ..." around Beta two.
    ctx = sentences.context_of(units, starts, 5, "paragraphs", 0)
    assert ctx["before"] == ["Beta one opens the paragraph."] and ctx["after"] == ["Beta three closes."]
    # One paragraph each side: Alpha (and the heading between) before, the Gamma line after.
    ctx = sentences.context_of(units, starts, 5, "paragraphs", 1)
    assert ctx["before"] == ["Alpha one said the mayor.", "Alpha two follows here.",
                             "Alpha three ends it.", "How the vote went", "Beta one opens the paragraph."]
    assert ctx["after"] == ["Beta three closes.", "Gamma one is a new line.", "Gamma two shares the line."]
    # A paragraph of boilerplate alone does not count: one paragraph after Gamma two is Delta;
    # the one before is Beta, with the heading that introduces it.
    ctx = sentences.context_of(units, starts, 8, "paragraphs", 1)
    assert ctx["before"] == ["How the vote went", "Beta one opens the paragraph.",
                             "Beta two is in the middle.", "Beta three closes.", "Gamma one is a new line."]
    assert ctx["after"] == ["Delta one comes after the advert.", "Delta two is the last sentence here."]
    assert ctx["breaks"]["after"] == [True, False]
    # Two paragraphs before Alpha two: there are none, so its own paragraph's first sentence.
    ctx = sentences.context_of(units, starts, 1, "paragraphs", 2)
    assert ctx["before"] == ["Alpha one said the mayor."]
    assert ctx["after"][:2] == ["Alpha three ends it.", "How the vote went"]
    assert ctx["after"][-1] == "Gamma two shares the line."  # two paragraphs after: Beta, Gamma
    # A heading is not a paragraph of its own: one paragraph after Alpha three is Beta.
    ctx = sentences.context_of(units, starts, 2, "paragraphs", 1)
    assert ctx["after"] == ["How the vote went", "Beta one opens the paragraph.",
                            "Beta two is in the middle.", "Beta three closes."]
    groups = sentences.context_groups(sentences.context_of(units, starts, 5, "paragraphs", 1))
    assert [(g["heading"], g["joins"], g["texts"]) for g in groups["before"]] == [
        (False, False, ["Alpha one said the mayor.", "Alpha two follows here.", "Alpha three ends it."]),
        (True, False, ["How the vote went"]), (False, True, ["Beta one opens the paragraph."])]
    assert [(g["heading"], g["joins"], len(g["texts"])) for g in groups["after"]] == [
        (False, True, 1), (False, False, 2)]


def test_window_setting_is_validated_and_read():
    assert sentences.window(projects.settings(projects.Project(settings={}))) == ("sentences", 2)
    assert sentences.window({"context_unit": "paragraphs", "context_size": 0}) == ("paragraphs", 0)
    assert projects.validate_settings({"context_unit": "paragraphs", "context_size": 3}, []) == {
        "context_unit": "paragraphs", "context_size": 3}
    for bad in ({"context_unit": "words"}, {"context_size": -1}, {"context_size": 11},
                {"context_size": True}, {"context_size": 1.5}):
        with pytest.raises(projects.ProjectError, match=f"settings.{next(iter(bad))}"):
            projects.validate_settings(bad, [])


@pytest.fixture
def paper(db, make_user):
    """A project with TEXT as its only article, and an annotator with a token."""
    p = projects.create_project(db, "paper", "Paper", overlap=1)
    db.commit()
    add_articles(db, p, [ingest.ArticleIn(title="The vote", text=TEXT)], "paper.jsonl")
    db.commit()
    u = make_user("reader")
    _, token = users.create_token(db, u)
    db.commit()
    return p, {"Authorization": f"Bearer {token}"}


def _stored(db, project):
    return db.execute(select(Sentence.id, Sentence.text, Sentence.kind)
                      .where(Sentence.project_id == project.id)
                      .order_by(Sentence.position)).all()


def test_views_on_the_database_follow_the_projects_window(db, client, paper):
    project, h = paper
    rows = _stored(db, project)
    by_text = {t: sid for sid, t, _ in rows}
    assert dict((t, k) for _, t, k in rows)["How the vote went"] == "heading"
    beta2 = by_text["Beta two is in the middle."]
    view = sentences.view(db, beta2)
    assert view["context"]["before"] == ["How the vote went", "Beta one opens the paragraph."]
    assert view["context"]["breaks"]["sentence"] is False
    view = sentences.view(db, beta2, context_window=("paragraphs", 1))
    assert view["context"]["after"] == ["Beta three closes.", "Gamma one is a new line.",
                                        "Gamma two shares the line."]
    # The project's setting reaches `next`, the page's JSON twin and the API alike.
    projects.set_settings(project, {"context_unit": "paragraphs", "context_size": 0})
    db.commit()
    got = client.get("/api/v1/projects/paper/next?ahead=10", headers=h).get_json()
    first = got["sentence"]
    assert first["text"] == "Alpha one said the mayor."
    assert first["context"]["before"] == [] and first["context"]["window"] == {"unit": "paragraphs", "size": 0}
    assert first["context"]["after"] == ["Alpha two follows here.", "Alpha three ends it."]
    upcoming = {s["text"]: s for s in got["upcoming"]}
    assert upcoming["Beta two is in the middle."]["context"]["before"] == ["Beta one opens the paragraph."]


def test_the_page_twin_and_the_page_show_paragraphs(db, client, paper):
    project, _ = paper
    db.commit()
    login(client, "reader")
    twin = client.get("/projects/paper/annotate", headers={"Accept": "application/json"}).get_json()
    assert twin["sentence"]["context"] == sentences.view(db, twin["sentence"]["id"])["context"]
    html = client.get(f"/projects/paper/annotate?sentence={twin['sentence']['id']}").get_data(as_text=True)
    assert 'id="article"' in html and 'id="view-toggle"' in html
    # The evidence tools stand after the text, not between the sentence and what follows it.
    assert html.index('id="after"') < html.index('class="evidence"')


def test_article_endpoint_gives_blocks_and_own_labels(db, client, paper, make_user):
    project, h = paper
    served = client.get("/api/v1/projects/paper/next", headers=h).get_json()["sentence"]
    assert client.put(f"/api/v1/sentences/{served['id']}/annotation",
                      json={"label": "neutral_fact"}, headers=h).status_code == 201
    art = client.get(f"/api/v1/projects/paper/articles/{served['article_id']}", headers=h).get_json()
    assert art["title"] == "The vote"
    assert [b["kind"] for b in art["blocks"]] == ["paragraph", "heading", "paragraph", "paragraph",
                                                  "boilerplate", "paragraph"]
    assert [u["text"] for u in art["blocks"][3]["units"]] == ["Gamma one is a new line.",
                                                             "Gamma two shares the line."]
    assert art["mine"] == {str(served["id"]): "neutral_fact"}
    # Another annotator sees none of these labels; an article of another project is not found.
    other = make_user("other")
    _, token = users.create_token(db, other)
    db.commit()
    mine = client.get(f"/api/v1/projects/paper/articles/{served['article_id']}",
                      headers={"Authorization": f"Bearer {token}"}).get_json()["mine"]
    assert mine == {}
    elsewhere = projects.create_project(db, "elsewhere", "Elsewhere")
    db.commit()
    add_articles(db, elsewhere, [ingest.ArticleIn(title="Else", text="Else one. Else two.")], "x.jsonl")
    db.commit()
    aid = db.scalar(select(Article.id).where(Article.project_id == elsewhere.id))
    resp = client.get(f"/api/v1/projects/paper/articles/{aid}", headers=h)
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "not_found"


def test_the_setup_form_sets_the_context_window(client, db, make_user):
    make_user("boss", "admin")
    login(client, "boss")
    values = form_values(client, "/admin/projects/new", "project-form")
    assert values["settings-context_unit"] == "sentences" and values["settings-context_size"] == "2"
    values.update({"slug": "wide", "name": "Wide", "settings-context_unit": "paragraphs",
                   "settings-context_size": "11"})
    resp = client.post("/admin/projects/new", data=values, follow_redirects=True)
    assert "settings.context_size: a whole number from 0 to 10" in resp.get_data(as_text=True)
    values["settings-context_size"] = "1"
    assert client.post("/admin/projects/new", data=values).status_code == 302
    db.expire_all()
    assert sentences.window(projects.settings(projects.by_slug(db, "wide"))) == ("paragraphs", 1)
    html = client.get("/admin/projects/wide/edit").get_data(as_text=True)
    assert '<option selected value="paragraphs">' in html or 'value="paragraphs" selected' in html
