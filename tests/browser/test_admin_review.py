"""Admins and reviewers in the browser: upload and export, adjudication, and who is refused."""
from __future__ import annotations

import json
import re

from sqlalchemy import func, select

from annotator.models import Adjudication, Article, Sentence, User
from e2e import body_sentences, label_as, seed_labels

ARTICLE = ("Ceasefire talks resume in Halm\n\n"
           "Delegations from both countries met in Halm on Friday, the mediators said.\n\n"
           "The talks will continue on Monday.\n")


def test_admin_uploads_an_article_and_downloads_the_export(server, page, login, shot, tmp_path):
    ids = [sid for sid, _, _ in body_sentences(server)][:2]
    label_as(server, "alice", {ids[0]: "attributed_claim", ids[1]: "neutral_fact"})
    login(page, "admin")
    page.click("nav a:has-text('Admin')")
    page.click("a:has-text('Demo: Ostrel Valley border conflict')")
    page.wait_for_url("**/admin/projects/demo")
    upload = tmp_path / "halm-talks.txt"
    upload.write_text(ARTICLE, encoding="utf-8")
    page.set_input_files("#files", str(upload))
    page.click("form button.primary:has-text('Import')")
    page.wait_for_selector(".flash:has-text('halm-talks.txt: 1 article(s)')")
    with server.session() as s:
        art = s.scalar(select(Article).where(Article.title == "Ceasefire talks resume in Halm"))
        assert art is not None
        texts = s.scalars(select(Sentence.text).where(Sentence.article_id == art.id,
                                                      Sentence.kind == "body")
                          .order_by(Sentence.position)).all()
    assert texts == ["Delegations from both countries met in Halm on Friday, the mediators said.",
                     "The talks will continue on Monday."]
    shot(page, "admin-project")

    with page.expect_download() as info:
        page.click("a:has-text('Export annotations (JSONL)')")
    download = info.value
    assert re.fullmatch(r"demo-annotations-\d{8}T\d{6}Z\.jsonl", download.suggested_filename)
    rows = [json.loads(line) for line in open(download.path(), encoding="utf-8")]
    assert sorted((r["sentence_id"], r["label"], r["annotator"]) for r in rows) == [
        (ids[0], "attributed_claim", "alice"), (ids[1], "neutral_fact", "alice")]

    page.click(f"a:has-text('{art.title}')")
    page.wait_for_url(f"**/admin/articles/{art.id}")
    assert page.locator("table.units tbody tr").all_inner_texts()[0].startswith("1\tDelegations")
    assert page.locator("table.units tbody tr").count() == 2
    # the screenshot shows a messier demo article, with its headings and boilerplate
    page.goto(server.url + "/admin/projects/demo")
    page.click("a:has-text('Karsk demands emergency')")
    shot(page, "admin-article")


def test_reviewer_adjudicates_a_disagreement(server, page, login, shot):
    seed_labels(server)
    login(page, "reviewer")
    page.click("a.button:has-text('Review')")
    page.wait_for_url("**/projects/demo/review")
    assert page.locator(".figure-main .value").inner_text() not in ("", "–")
    shot(page, "review")
    page.click("a:has-text('Disagreement queue')")
    page.wait_for_url("**/projects/demo/disagreements")
    page.wait_for_selector("#adjudicate:not([hidden])")
    shot(page, "disagreements")
    sid = int(page.get_attribute("#sentence", "data-id"))
    # keyboard: C writes the note, Esc leaves it, a label key chooses the gold label
    page.keyboard.press("c")
    page.keyboard.type("loaded term in the outlet's own voice")
    page.keyboard.press("Escape")
    page.keyboard.press("2")
    page.wait_for_function(f"() => document.getElementById('sentence').dataset.id !== '{sid}'")
    page.wait_for_selector("#adjudicate[data-unsaved='0']", state="attached")
    with server.session() as s:
        adj = s.scalar(select(Adjudication).where(Adjudication.sentence_id == sid))
        assert adj is not None and adj.label == "contested_framing"
        assert adj.note == "loaded term in the outlet's own voice"
        assert s.get(User, adj.reviewer_id).username == "reviewer"
    # with the mouse too
    oid = int(page.get_attribute("#sentence", "data-id"))
    assert oid != sid
    page.click("#adjudicate .label-button[value=neutral_fact]")
    page.wait_for_function(f"() => document.getElementById('sentence').dataset.id !== '{oid}'")
    page.wait_for_selector("#adjudicate[data-unsaved='0']", state="attached")
    with server.session() as s:
        assert s.scalar(select(Adjudication.label).where(Adjudication.sentence_id == oid)) == "neutral_fact"
    # a reload shows the open queue: both are resolved and off it
    page.reload()
    page.wait_for_selector("#adjudicate:not([hidden])")
    assert int(page.get_attribute("#sentence", "data-id")) not in (sid, oid)


def test_an_annotator_is_refused_the_admin_pages(server, page, login, context):
    login(page, "alice")
    assert page.locator("nav a:has-text('Admin')").count() == 0
    with server.session() as s:
        article = s.scalar(select(Article.id).limit(1))
        before = s.scalar(select(func.count()).select_from(Article))
    for path in ["/admin/", "/admin/projects/demo", "/admin/users", f"/admin/articles/{article}",
                 "/admin/projects/demo/export?kind=annotations", "/admin/projects/demo/edit",
                 "/projects/demo/review", "/projects/demo/disagreements"]:
        resp = page.goto(server.url + path)
        assert resp.status == 403, path
        assert page.locator("h1").inner_text() == "403"
    # an upload with a valid CSRF token of alice's own session is refused too; nothing is stored
    page.goto(server.url + "/")
    token = page.get_attribute("input[name=csrf_token]", "value")
    resp = context.request.post(server.url + "/admin/projects/demo", multipart={
        "csrf_token": token,
        "files": {"name": "x.txt", "mimeType": "text/plain", "buffer": ARTICLE.encode()}})
    assert resp.status == 403
    with server.session() as s:
        assert s.scalar(select(func.count()).select_from(Article)) == before
    # a reviewer sees the review pages but not the admin ones
    context.clear_cookies()
    login(page, "reviewer")
    assert page.goto(server.url + "/projects/demo/review").status == 200
    assert page.goto(server.url + "/admin/").status == 403
