"""Background jobs (annotator.jobs, annotator.worker): claimed once when workers race, taken
back from a dead worker, trainings queued after `model_every` new labels, and the model's
API and admin page (on SQLite and PostgreSQL alike)."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from annotator import jobs, users, worker
from annotator.model import schedule, store
from annotator.models import Job, utcnow
from helpers import csrf_token, login
from model_corpus import labelled_project


@pytest.fixture
def sessionmaker(app):
    return app.extensions["annotator.sessionmaker"]


def test_two_workers_racing_claim_a_job_once(sessionmaker):
    for round_ in range(5):
        with sessionmaker() as s:
            job, _ = jobs.enqueue(s, "race", None, {"round": round_})
        start = threading.Barrier(2)
        got = []

        def claim(name):
            with sessionmaker() as s:
                start.wait()
                found = jobs.claim(s, name)
                got.append(found and (found.id, found.worker))

        threads = [threading.Thread(target=claim, args=(f"w{i}",)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        claimed = [g for g in got if g]
        assert len(claimed) == 1 and claimed[0][0] == job.id, got
        with sessionmaker() as s:
            row = s.get(Job, job.id)
            assert (row.state, row.attempts, row.worker) == ("running", 1, claimed[0][1])
            assert jobs.finish(s, job.id, claimed[0][1], {"ok": True})


def test_two_workers_run_every_job_exactly_once(sessionmaker, monkeypatch):
    runs, lock = [], threading.Lock()

    def handler(session, job):
        with lock:
            runs.append(job.payload["n"])
        return {"n": job.payload["n"]}

    monkeypatch.setitem(worker.HANDLERS, "count", handler)
    with sessionmaker() as s:
        for n in range(12):
            s.add(Job(kind="count", payload={"n": n}, state="queued", attempts=0, progress=0.0,
                      created_at=utcnow()))
        s.commit()
    threads = [threading.Thread(target=worker.run, args=(sessionmaker,),
                                kwargs={"once": True, "worker": f"w{i}"}) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(runs) == list(range(12))
    with sessionmaker() as s:
        rows = s.scalars(select(Job).where(Job.kind == "count")).all()
        assert {(j.state, j.attempts) for j in rows} == {("done", 1)}
        assert [j.result["n"] for j in sorted(rows, key=lambda j: j.id)] == list(range(12))


def test_a_stale_running_job_is_requeued_and_run_again(sessionmaker, monkeypatch):
    monkeypatch.setitem(worker.HANDLERS, "noop", lambda session, job: {"by": "second"})
    with sessionmaker() as s:
        dead, _ = jobs.enqueue(s, "noop")
        alive, _ = jobs.enqueue(s, "other")
        assert jobs.claim(s, "dead-worker").id == dead.id
        assert jobs.claim(s, "live-worker").id == alive.id
        old = utcnow() - timedelta(seconds=jobs.STALE + 5)
        s.execute(update(Job).where(Job.id == dead.id).values(heartbeat_at=old))
        s.commit()
        assert jobs.requeue_stale(s) == 1
        assert s.get(Job, dead.id, populate_existing=True).state == "queued"
        assert s.get(Job, alive.id, populate_existing=True).state == "running"
    assert worker.run(sessionmaker, once=True, worker="restarted") == 1
    with sessionmaker() as s:
        job = s.get(Job, dead.id)
        assert (job.state, job.attempts, job.worker, job.result) == ("done", 2, "restarted", {"by": "second"})
        # The dead worker's late writes count for nothing: the job is no longer its own.
        assert not jobs.heartbeat(s, dead.id, "dead-worker")
        assert not jobs.finish(s, dead.id, "dead-worker", error="late")
        assert s.get(Job, dead.id, populate_existing=True).state == "done"


def test_a_job_whose_worker_keeps_dying_fails(sessionmaker):
    with sessionmaker() as s:
        job, _ = jobs.enqueue(s, "noop")
        for attempt in range(jobs.MAX_ATTEMPTS):
            assert jobs.claim(s, f"w{attempt}").id == job.id
            s.execute(update(Job).where(Job.id == job.id).values(heartbeat_at=utcnow() - timedelta(hours=1)))
            s.commit()
            jobs.requeue_stale(s)
        row = s.get(Job, job.id, populate_existing=True)
        assert (row.state, row.attempts) == ("failed", jobs.MAX_ATTEMPTS) and "stopped" in row.error


def test_a_failing_handler_fails_its_job_not_the_worker(sessionmaker, monkeypatch):
    def boom(session, job):
        raise RuntimeError("disk full")

    monkeypatch.setitem(worker.HANDLERS, "boom", boom)
    monkeypatch.setitem(worker.HANDLERS, "noop", lambda session, job: {})
    with sessionmaker() as s:
        bad, _ = jobs.enqueue(s, "boom")
        good, _ = jobs.enqueue(s, "noop")
    assert worker.run(sessionmaker, once=True) == 2
    with sessionmaker() as s:
        assert s.get(Job, bad.id).state == "failed" and "disk full" in s.get(Job, bad.id).error
        assert s.get(Job, good.id).state == "done"


def test_training_is_queued_after_model_every_new_labels(app, db, make_user, sessionmaker):
    ann = make_user("ann")
    p, truth = labelled_project(db, ann, n=60)
    p.settings = {"model_every": 50}
    db.commit()
    with sessionmaker() as s:
        assert schedule.enqueue_due(s) == ["m"]
        assert schedule.enqueue_due(s) == []  # one on its way already
    runner = app.test_cli_runner()
    r = runner.invoke(args=["worker", "--once", "--nice", "0"])
    assert r.exit_code == 0 and r.output.strip() == "1 job(s) run", r.output
    assert [v["label_count"] for v in store.versions(db, p)] == [60]
    with sessionmaker() as s:
        assert schedule.enqueue_due(s) == []  # 0 new labels since
    labelled_project(db, ann, slug="m2", n=60)  # the default, 200 new labels: not yet
    p.settings = {"model_every": 0}  # off
    db.commit()
    labelled_project(db, ann, slug="m3", n=60)
    with sessionmaker() as s:
        assert schedule.enqueue_due(s) == []


def _token(db, user):
    _, token = users.create_token(db, user, "t")
    db.commit()
    return {"Authorization": f"Bearer {token}"}


def test_the_model_api_queues_for_admins_only(client, db, make_user, project, app):
    hr = _token(db, make_user("rita", "reviewer"))
    ha = _token(db, make_user("anna"))
    hadm = _token(db, make_user("root", "admin"))
    for headers in (hr, ha):
        resp = client.post("/api/v1/projects/news/model", headers=headers)
        assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "forbidden"
    assert db.scalar(select(Job.id)) is None
    resp = client.post("/api/v1/projects/news/model", headers=hadm)
    assert resp.status_code == 202 and resp.get_json()["queued"] is True
    job = resp.get_json()["job"]
    assert job["state"] == "queued" and job["kind"] == schedule.TRAIN
    again = client.post("/api/v1/projects/news/model", headers=hadm).get_json()
    assert again == {"job": job, "queued": False}
    assert client.get("/api/v1/projects/news/model", headers=ha).status_code == 403
    seen = client.get("/api/v1/projects/news/model", headers=hr).get_json()
    assert seen == {"versions": [], "jobs": [job]}
    # The worker runs it: this project has too few labels, so the job fails saying why.
    app.test_cli_runner().invoke(args=["worker", "--once", "--nice", "0"])
    failed = client.get("/api/v1/projects/news/model", headers=hr).get_json()["jobs"][0]
    assert failed["state"] == "failed" and "too few final labels" in failed["error"]
    assert client.post("/api/v1/projects/nope/model", headers=hadm).status_code == 404


def test_the_admin_page_shows_versions_and_queues_a_training(client, db, make_user, app):
    make_user("root", "admin")
    labelled_project(db, make_user("ann"), n=40)
    assert app.test_cli_runner().invoke(args=["model", "train", "m"]).exit_code == 0
    token = login(client, "root")
    page = client.get("/admin/projects/m", headers={"Accept": "application/json"}).get_json()
    assert [v["version"] for v in page["model"]["versions"]] == [1]
    assert page["model"]["jobs"] == [] and page["model"]["every"] == 200
    html = client.get("/admin/projects/m").get_data(as_text=True)
    assert "Train model" in html and "v1" in html
    resp = client.post("/admin/projects/m/model", data={"csrf_token": token})
    assert resp.status_code == 302 and resp.location.endswith("/admin/projects/m#model")
    page = client.get("/admin/projects/m?format=json").get_json()
    assert [j["state"] for j in page["model"]["jobs"]] == ["queued"]
    assert client.post("/admin/projects/m/model", data={}).status_code == 400
