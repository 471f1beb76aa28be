"""The job page in the browser (issue 21 item 2): an upload over IMPORT_INLINE_MAX and a
background export each open a page whose script polls the job's JSON twin, moves the progress
bar and, for the export, offers the file once the worker has written it."""
from __future__ import annotations

import json
import threading

from sqlalchemy import func, select

from annotator import worker
from annotator.models import Article, Project
from e2e import body_sentences, label_as


def _run_worker(server):
    t = threading.Thread(target=worker.run, args=(server.app.extensions["annotator.sessionmaker"],),
                         kwargs={"once": True})
    t.start()
    return t


def test_a_large_upload_and_an_export_run_in_the_background(server, page, login, shot, tmp_path):
    server.app.config["IMPORT_INLINE_MAX"] = 10
    login(page, "admin")
    page.goto(server.url + "/admin/projects/demo")
    upload = tmp_path / "wire.jsonl"
    upload.write_text("".join(json.dumps({"title": f"Wire {i}", "text": f"Talks went on in Halm {i}. "
                                          "Nobody said more."}) + "\n" for i in range(3)))
    page.set_input_files("#files", str(upload))
    page.click("form button.primary:has-text('Import')")
    page.wait_for_url("**/admin/jobs/*")
    assert page.text_content("#job-state") == "queued"
    assert page.is_visible("text=Waiting for")
    _run_worker(server).join()
    page.wait_for_selector("#job-state:text('done')", timeout=10_000)
    assert page.text_content("#job-result") == "3 article(s), 6 units imported."
    assert page.eval_on_selector("#job-progress", "el => el.value") == 1
    assert not page.is_visible("text=Waiting for")
    with server.session() as s:
        demo = s.scalar(select(Project.id).where(Project.slug == "demo"))
        assert s.scalar(select(func.count()).select_from(Article)
                        .where(Article.project_id == demo, Article.title.like("Wire %"))) == 3
    shot(page, "admin-job")

    ids = [sid for sid, _, _ in body_sentences(server)][:2]
    label_as(server, "alice", {ids[0]: "attributed_claim", ids[1]: "neutral_fact"})
    page.goto(server.url + "/admin/projects/demo")
    page.click("button:has-text('Export annotations in the background')")
    page.wait_for_url("**/admin/jobs/*")
    assert not page.is_visible("#job-download")
    _run_worker(server).join()
    page.wait_for_selector("#job-download", state="visible", timeout=10_000)
    with page.expect_download() as info:
        page.click("#job-download")
    lines = info.value.path().read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["sentence_id"] for line in lines] == ids
    assert page.text_content("#job-result") == f"{len(lines)} records."
