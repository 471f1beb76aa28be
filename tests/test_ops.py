"""For operators: /healthz, /metrics in Prometheus's format (added up over gunicorn's worker
processes), a request id on every answer and one JSON log line per request."""
from __future__ import annotations

import json
import logging
import re
import sys
from pathlib import Path

import requests
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from annotator import users

BENCH = Path(__file__).resolve().parent.parent / "bench"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

from common import Server, cli, setup_app  # noqa: E402


def _samples(body: str) -> dict[tuple, float]:
    """(sample name, sorted labels) -> value, read with prometheus_client's own parser."""
    out = {}
    for family in text_string_to_metric_families(body):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def test_healthz_says_ok_and_names_a_database_behind_its_migrations(client, db):
    ok = client.get("/healthz")
    assert ok.status_code == 200 and ok.json == {"status": "ok", "database": "ok",
                                                 "migrations": "current"}
    current = db.execute(text("SELECT version_num FROM alembic_version")).scalar()
    db.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    db.commit()
    try:
        behind = client.get("/healthz")
        assert behind.status_code == 503
        assert behind.json["status"] == "down" and "annotator init" in behind.json["migrations"]
    finally:
        db.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": current})
        db.commit()


def test_every_answer_carries_a_request_id(client):
    fresh = client.get("/login").headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", fresh)
    assert client.get("/login").headers["X-Request-Id"] != fresh
    assert client.get("/login", headers={"X-Request-Id": "lb-42.a"}).headers["X-Request-Id"] == "lb-42.a"
    # Not taken as given: too long, or characters that could forge a log line.
    for bad in ("x" * 65, "a b", "a\u00e9"):
        got = client.get("/login", headers={"X-Request-Id": bad}).headers["X-Request-Id"]
        assert got != bad and re.fullmatch(r"[0-9a-f]{32}", got)


def test_one_json_log_line_per_request(client):
    log = logging.getLogger("annotator.requests")
    assert log.handlers, "LOG_REQUESTS is on by default"
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    keep = Keep()
    log.addHandler(keep)
    try:
        rid = client.get("/login?next=/x", headers={"X-Request-Id": "req-1"}).headers["X-Request-Id"]
    finally:
        log.removeHandler(keep)
    (record,) = records
    line = json.loads(log.handlers[0].formatter.format(record))
    assert line["request_id"] == rid == "req-1"
    assert (line["method"], line["route"], line["path"], line["status"]) == ("GET", "/login", "/login", 200)
    assert line["level"] == "INFO" and line["ms"] >= 0 and line["time"]


def test_metrics_count_requests_by_route_and_label_writes(client, db, make_user, project):
    user = make_user("ana")
    _, token = users.create_token(db, user, "t")
    db.commit()
    auth = {"Authorization": f"Bearer {token}"}
    before = _samples(client.get("/metrics").get_data(as_text=True))
    for _ in range(3):
        client.get("/healthz")
    sentence = client.get("/api/v1/projects/news/next", headers=auth).json["sentence"]
    put = f"/api/v1/sentences/{sentence['id']}/annotation"
    assert client.put(put, json={"label": "neutral_fact"}, headers=auth).status_code == 201
    assert client.put(put, json={"label": "neutral_fact"}, headers=auth).status_code == 200
    after = _samples(client.get("/metrics").get_data(as_text=True))

    def grew(name, **labels):
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    assert grew("annotator_requests_total", route="/healthz", method="GET", status="200") == 3
    assert grew("annotator_request_seconds_count", route="/healthz", method="GET") == 3
    assert grew("annotator_label_writes_total", outcome="created") == 1
    assert grew("annotator_label_writes_total", outcome="unchanged") == 1


def test_metrics_are_for_loopback_or_a_token(app, client):
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 403
    app.config["METRICS_TOKEN"] = "s3cret-token"
    try:
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        ok = client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"},
                        headers={"Authorization": "Bearer s3cret-token"})
        assert ok.status_code == 200 and "annotator_requests_total" in ok.get_data(as_text=True)
    finally:
        app.config["METRICS_TOKEN"] = None


def test_served_metrics_add_up_over_the_worker_processes(tmp_path):
    url = f"sqlite:///{tmp_path / 'annotator.db'}"
    app = setup_app(url, tmp_path / "instance")
    cli(app, "init")
    app.extensions["annotator.engine"].dispose()
    server = Server(url, tmp_path / "instance", args=["--workers", "2", "--threads", "2"])
    server.start()
    try:
        base = f"http://127.0.0.1:{server.port}"
        for _ in range(40):  # new connections: both workers answer some
            requests.get(f"{base}/healthz").raise_for_status()
        samples = _samples(requests.get(f"{base}/metrics").text)
        assert samples[("annotator_requests_total",
                        (("method", "GET"), ("route", "/healthz"), ("status", "200")))] == 40
        assert len(server.workers()) == 2
    finally:
        server.stop()
