"""The job kinds of issue 21 item 2 (annotator.job_kinds) run by `annotator worker`: an import
survives a worker restart and is never applied twice, an export is offered for download when
ready, the pages show progress (JSON twin) and bad input fails the job with file and line."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from annotator import export, job_kinds, jobs, projects, staged_import, worker
from annotator.models import Article, Job, Project, utcnow
from annotator.review.stats import project_stats
from helpers import csrf_token, login


@pytest.fixture
def sessionmaker(app):
    return app.extensions["annotator.sessionmaker"]


def _jsonl(path: Path, n: int) -> Path:
    path.write_text("".join(json.dumps({"title": f"T{i}", "id": str(i), "text": f"Line {i} is here. "
                                        f"And a second sentence {i}."}) + "\n" for i in range(n)))
    return path


def _articles(session, project_id: int) -> int:
    session.commit()
    return session.scalar(select(func.count()).select_from(Article).where(Article.project_id == project_id))


def test_an_import_job_runs_once_and_reports_progress(sessionmaker, db, tmp_path, monkeypatch):
    p = projects.create_project(db, "p", "P")
    db.commit()
    job = job_kinds.enqueue_import(db, p, _jsonl(tmp_path / "a.jsonl", 12), "a.jsonl")
    beats = []
    real = jobs.heartbeat
    monkeypatch.setattr(job_kinds, "REPORT_EVERY", 0.0)
    monkeypatch.setattr(staged_import, "BATCH", 5)
    monkeypatch.setattr(jobs, "heartbeat", lambda s, i, w, prog=None, detail=None:
                        beats.append(prog) or real(s, i, w, prog, detail))
    assert worker.run(sessionmaker, once=True) == 1
    assert worker.run(sessionmaker, once=True) == 0  # done: not run again
    with sessionmaker() as s:
        row = s.get(Job, job.id)
        assert (row.state, row.attempts, row.progress) == ("done", 1, 1.0)
        assert row.result == {"articles": 12, "sentences": 24, "skipped": 0, "messages": []}
    assert _articles(db, p.id) == 12
    assert [b for b in beats if b is not None] == sorted(b for b in beats if b is not None)
    assert 0 < beats[0] < 1 and beats[-1] == 1.0


def test_an_import_survives_a_worker_restart(sessionmaker, db, tmp_path, monkeypatch):
    """The worker stops (SIGTERM -> SystemExit) halfway: the job goes back to the queue, its
    staged half is discarded, and the next worker imports the file whole, once."""
    p = projects.create_project(db, "p", "P")
    db.commit()
    job = job_kinds.enqueue_import(db, p, _jsonl(tmp_path / "a.jsonl", 20), "a.jsonl")
    monkeypatch.setattr(staged_import, "BATCH", 5)
    real = staged_import._write
    calls = []

    def stop_on_second_batch(*args):
        calls.append(1)
        if len(calls) == 2:
            raise SystemExit(0)
        return real(*args)

    monkeypatch.setattr(staged_import, "_write", stop_on_second_batch)
    with pytest.raises(SystemExit):
        worker.run(sessionmaker, once=True, worker="first")
    with sessionmaker() as s:
        row = s.get(Job, job.id)
        assert (row.state, row.worker, row.attempts) == ("queued", None, 0)
        assert s.scalar(select(func.count()).select_from(Project)
                        .where(Project.staging_for.is_not(None))) == 0
    assert _articles(db, p.id) == 0
    monkeypatch.setattr(staged_import, "_write", real)
    assert worker.run(sessionmaker, once=True, worker="second") == 1
    with sessionmaker() as s:
        row = s.get(Job, job.id)
        assert (row.state, row.worker, row.result["articles"]) == ("done", "second", 20)
    assert _articles(db, p.id) == 20


def test_a_worker_that_lost_its_job_does_not_publish(sessionmaker, db, tmp_path, monkeypatch):
    """A worker presumed dead (no heartbeat) while it was still importing: its job was given
    to another worker. The first one's publication is refused, so the file is imported once."""
    p = projects.create_project(db, "p", "P")
    db.commit()
    job = job_kinds.enqueue_import(db, p, _jsonl(tmp_path / "a.jsonl", 10), "a.jsonl")
    with sessionmaker() as s:
        claimed = jobs.claim(s, "slow")
    monkeypatch.setattr(staged_import, "BATCH", 4)

    def taken_back(read, size):
        with sessionmaker() as s:  # what requeue_stale + another worker's claim leave behind
            s.execute(update(Job).where(Job.id == job.id).values(worker="other", heartbeat_at=utcnow()))
            s.commit()

    with sessionmaker() as s, pytest.raises(staged_import.LostJob):
        staged_import.import_file(s, s.get(Project, p.id), claimed.payload["path"], "a.jsonl",
                                  progress=taken_back, job=claimed)
    assert _articles(db, p.id) == 0
    with sessionmaker() as s:
        assert s.scalar(select(func.count()).select_from(Project)) == 1  # staging discarded
        row = s.get(Job, job.id)
        assert (row.state, row.worker) == ("running", "other")


def test_bad_input_fails_the_job_naming_file_and_line(sessionmaker, db, tmp_path):
    p = projects.create_project(db, "p", "P")
    db.commit()
    path = _jsonl(tmp_path / "bad.jsonl", 3)
    path.write_text(path.read_text() + '{"title": "no text"}\n')
    job = job_kinds.enqueue_import(db, p, path, "bad.jsonl", remove_after=True)
    worker.run(sessionmaker, once=True)
    with sessionmaker() as s:
        row = s.get(Job, job.id)
        assert (row.state, row.error) == ("failed", "bad.jsonl, line 4: text is missing")
    assert _articles(db, p.id) == 0 and not path.exists()  # the upload's copy is removed


def test_an_export_job_writes_the_file_that_the_direct_export_writes(
        app, sessionmaker, db, project, tmp_path, monkeypatch):
    from annotator.export import jsonl
    monkeypatch.setattr(jsonl, "BATCH", 2)  # many writes, each reporting progress mid-read
    monkeypatch.setattr(job_kinds, "REPORT_EVERY", 0.0)
    details = []
    real = jobs.heartbeat
    monkeypatch.setattr(jobs, "heartbeat", lambda s, i, w, prog=None, detail=None:
                        details.append(detail) or real(s, i, w, prog, detail))
    job = job_kinds.enqueue_export(db, project, "sentences", "jsonl", app.config["EXPORT_DIR"])
    assert worker.run(sessionmaker, once=True) == 1
    assert "2 lines written" in details and "4 lines written" in details
    with sessionmaker() as s:
        row = s.get(Job, job.id)
        assert row.state == "done", row.error
        direct = io.BytesIO()
        n = export.write_export(s, s.get(Project, project.id), "sentences", "jsonl", direct)
    assert row.result["records"] == n > 0
    assert details[-1] == f"{n} records written"  # the last word is the whole count
    assert Path(row.result["path"]).read_bytes() == direct.getvalue()
    assert not list(Path(app.config["EXPORT_DIR"]).glob("*.part"))


def test_a_stats_job_keeps_the_statistics_contract(sessionmaker, db, project):
    job = job_kinds.enqueue_stats(db, project)
    assert job_kinds.enqueue_stats(db, project).id == job.id  # asked twice: refreshed once
    worker.run(sessionmaker, once=True)
    with sessionmaker() as s:
        row = s.get(Job, job.id)
        assert row.state == "done" and row.result == project_stats(s, s.get(Project, project.id))


def test_a_release_job_makes_the_release(app, sessionmaker, db, project):
    job = job_kinds.enqueue_release(db, project, "v1", app.config["RELEASES_DIR"])
    again = job_kinds.enqueue_release(db, project, "v1", app.config["RELEASES_DIR"])
    worker.run(sessionmaker, once=True)
    with sessionmaker() as s:
        assert s.get(Job, job.id).state == "done"
        assert s.get(Job, job.id).result["release"] == "v1"
        assert s.get(Job, again.id).state == "failed"  # a release is never overwritten
        assert "already" in s.get(Job, again.id).error


def test_the_admin_pages_queue_an_import_and_an_export_and_show_progress(
        app, client, db, make_user, sessionmaker, tmp_path):
    make_user("boss", "admin")
    p = projects.create_project(db, "p", "P")
    db.commit()
    app.config["IMPORT_INLINE_MAX"] = 100  # every upload above 100 bytes goes to the worker
    token = login(client, "boss")
    data = _jsonl(tmp_path / "big.jsonl", 8).read_bytes()
    r = client.post("/admin/projects/p", data={"csrf_token": token, "files": (io.BytesIO(data), "big.jsonl")},
                    content_type="multipart/form-data")
    assert r.status_code == 302 and "/admin/jobs/" in r.headers["Location"]
    url = r.headers["Location"]
    html = client.get(url).get_data(as_text=True)
    assert "<progress" in html and "js/job.js" in html and "Waiting for" in html
    queued = client.get(url, headers={"Accept": "application/json"}).get_json()["job"]
    assert (queued["state"], queued["kind"], queued["payload"]) == ("queued", "import", {"filename": "big.jsonl"})
    assert _articles(db, p.id) == 0
    worker.run(sessionmaker, once=True)
    done = client.get(url + "?format=json").get_json()["job"]
    assert (done["state"], done["progress"], done["result"]["articles"]) == ("done", 1.0, 8)
    assert done["download"] is None and _articles(db, p.id) == 8
    assert not list(Path(app.config["IMPORT_DIR"]).iterdir())  # the upload's copy is gone

    r = client.post("/admin/projects/p/export-job?kind=sentences", data={"csrf_token": csrf_token(client, "/admin/projects/p")})
    assert r.status_code == 302
    url = r.headers["Location"]
    assert client.get(url + "?format=json").get_json()["job"]["download"] is None
    worker.run(sessionmaker, once=True)
    done = client.get(url + "?format=json").get_json()["job"]
    assert done["state"] == "done" and "path" not in done["result"]
    got = client.get(done["download"])
    assert got.status_code == 200 and got.headers["Content-Disposition"].startswith("attachment")
    assert len(got.data.splitlines()) == done["result"]["records"] == 16


def test_a_bad_large_upload_fails_its_job_and_the_page_says_where(app, client, db, make_user, sessionmaker):
    make_user("boss", "admin")
    projects.create_project(db, "p", "P")
    db.commit()
    app.config["IMPORT_INLINE_MAX"] = 10
    token = login(client, "boss")
    bad = b'{"title": "A", "text": "fine"}\n{"title": "B"}\n'
    r = client.post("/admin/projects/p", data={"csrf_token": token, "files": (io.BytesIO(bad), "x.jsonl")},
                    content_type="multipart/form-data")
    url = r.headers["Location"]
    worker.run(sessionmaker, once=True)
    page = client.get(url)
    assert page.status_code == 200 and "x.jsonl, line 2: text is missing" in page.get_data(as_text=True)
    assert client.get(url + "?format=json").get_json()["job"]["state"] == "failed"
    assert client.get(url + "/download").status_code == 404


def test_the_cli_streams_an_import_and_queues_jobs(app, db, tmp_path, sessionmaker):
    projects.create_project(db, "p", "P")
    db.commit()
    runner = app.test_cli_runner()
    path = _jsonl(tmp_path / "c.jsonl", 6)
    r = runner.invoke(args=["import", "p", str(path)])
    assert r.exit_code == 0 and f"{path}: 6 article(s), 12 units imported (published in" in r.output, r.output
    r = runner.invoke(args=["import", "p", str(path)])
    assert "0 article(s)" in r.output and "is in the project already" in r.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"title": 1, "text": "x"}\n')
    r = runner.invoke(args=["import", "p", str(bad)])
    assert r.exit_code == 1 and "bad.jsonl, line 1: title must be a string" in r.output
    r = runner.invoke(args=["import", "p", "--queue", str(_jsonl(tmp_path / "d.jsonl", 9))])
    assert r.exit_code == 0 and "queued as job" in r.output
    r = runner.invoke(args=["export", "p", "--kind", "sentences", "--queue"])
    assert r.exit_code == 0 and "Export queued as job" in r.output
    r = runner.invoke(args=["stats", "p", "--queue"])
    assert r.exit_code == 0 and "Statistics refresh queued" in r.output
    r = runner.invoke(args=["worker", "--once", "--nice", "0"])
    assert r.output.strip() == "3 job(s) run"
    with sessionmaker() as s:
        assert {j.kind: j.state for j in s.scalars(select(Job))} == \
            {"import": "done", "export": "done", "stats": "done"}
        # d.jsonl repeats c.jsonl's 6 articles and adds 3
        assert _articles(s, s.scalar(select(Project.id).where(Project.slug == "p"))) == 9
