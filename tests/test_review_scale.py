"""Reviewer pages at scale (issue 21 item 3): the figures kept per project data version are
recomputed after every change that moves them, and paging the queue neither skips nor repeats
a sentence, ties included. Speed itself is measured by bench/scale.py, not here."""
from __future__ import annotations

from sqlalchemy import select

from annotator import ingest
from annotator.articles import add_articles
from annotator.models import Article
from annotator.review import adjudication
from helpers import login
from test_review import A, C, N, add_body_sentences, label, labelled, team  # noqa: F401  (fixtures)


def _dashboard(client, slug="news") -> dict:
    resp = client.get(f"/projects/{slug}/review?format=json")
    assert resp.status_code == 200
    return resp.get_json()


def test_a_label_write_changes_the_dashboard_numbers(db, client, project, team, labelled):
    login(client, "rev")
    before = _dashboard(client)
    again = _dashboard(client)  # served from what was kept: the same numbers
    assert again["stats"] == before["stats"]
    s = labelled[6]  # one label so far (N): a second, different one makes it pairable
    label(db, project, s, team["ann2"], C)
    after = _dashboard(client)
    total = lambda d: sum(v["count"] for v in d["stats"]["per_label"].values())  # noqa: E731
    assert total(after) == total(before) + 1
    assert after["stats"]["per_label"][C]["count"] == before["stats"]["per_label"][C]["count"] + 1
    assert after["stats"]["krippendorff_alpha"] != before["stats"]["krippendorff_alpha"]
    # Changing a label (no new row) moves the figures too.
    label(db, project, s, team["ann2"], N)
    changed = _dashboard(client)
    assert changed["stats"]["per_label"][C]["count"] == before["stats"]["per_label"][C]["count"]
    assert changed["stats"]["per_label"][N]["count"] == before["stats"]["per_label"][N]["count"] + 1


def test_the_queue_follows_label_writes_and_gold(db, project, team, labelled):
    first = [it["sentence_id"] for it in adjudication.disagreements(db, project, per_page=200)["items"]]
    s = labelled[0]  # unanimous A A: not queued until someone disagrees
    assert s.id not in first
    label(db, project, s, team["ann3"], N)
    queued = [it["sentence_id"] for it in adjudication.disagreements(db, project, per_page=200)["items"]]
    assert s.id in queued and len(queued) == len(first) + 1
    adjudication.set_gold(db, project, s, team["rev"], A)
    after_gold = [it["sentence_id"] for it in adjudication.disagreements(db, project, per_page=200)["items"]]
    assert after_gold == first


def _walk(db, project, per_page, **kw) -> list[int]:
    out, page = [], 1
    while True:
        q = adjudication.disagreements(db, project, page=page, per_page=per_page, **kw)
        out += [it["sentence_id"] for it in q["items"]]
        if page >= q["pages"]:
            return out
        page += 1


def test_paging_the_queue_skips_and_repeats_nothing_with_ties(db, project, team, labelled):
    # Nine more sentences with the very same dispute (A against C, two annotators): all tied
    # on every key but reading order.
    extra = add_body_sentences(db, project, 9)[-9:]
    for s in extra:
        label(db, project, s, team["ann1"], A)
        label(db, project, s, team["ann2"], C)
    whole = [it["sentence_id"] for it in adjudication.disagreements(db, project, per_page=200)["items"]]
    assert len(whole) == len(set(whole)) >= 13
    for per_page in (1, 2, 3, 4, 7):
        walked = _walk(db, project, per_page)
        assert walked == whole, per_page  # same order, nothing skipped or repeated
    # The tied ones come in reading order, page after page, and twice the same.
    tied = [sid for sid in whole if sid in {s.id for s in extra}]
    assert tied == sorted(tied) and _walk(db, project, 2) == whole
    # A write between two page views moves the queue: the next page is of the new order.
    label(db, project, extra[0], team["ann3"], A)  # now 2-1: less disputed, later in the queue
    walked = _walk(db, project, 3)
    assert sorted(walked) == sorted(whole) and len(walked) == len(set(walked))
    assert walked.index(extra[0].id) > walked.index(extra[1].id)


def test_the_article_list_pages_by_key_without_skips_or_repeats(db, client, project, team):
    for i in range(45):
        add_articles(db, project, ingest.parse_file(f"a{i}.txt", f"Title {i}\nBody {i} here.".encode()),
                     f"a{i}.txt")
    want = list(db.scalars(select(Article.id).where(Article.project_id == project.id).order_by(Article.id)))
    assert len(want) > 40
    login(client, "boss")
    got, after, by_number = [], None, []
    for n in range(1, 10):
        q = client.get(f"/admin/projects/news?format=json&page={n}").get_json()
        by_number += [a["id"] for a in q["articles"]]
        url = "/admin/projects/news?format=json" + (f"&after={after}" if after else "")
        data = client.get(url).get_json()
        got += [a["id"] for a in data["articles"]]
        after = data["next_after"]
        if after is None:
            break
    assert got == want == by_number
