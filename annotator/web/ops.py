"""For operators: /healthz, /metrics (Prometheus), a request id on every request and one JSON
log line per request.

Metrics use prometheus_client. Under `annotator serve` each worker process counts in files
of one folder (its multiprocess mode: `serve` sets PROMETHEUS_MULTIPROC_DIR before the
workers fork), so a scrape that reaches any worker sees every worker's counts. The library is
imported on first use, in the worker: that mode is chosen when it is first imported.
"""
from __future__ import annotations

import hmac
import logging
import os
import re
import threading
import time
import uuid
from functools import cache

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request
from flask_login import current_user
from pythonjsonlogger.json import JsonFormatter
from sqlalchemy import text

from .. import db as dbmod
from .. import events, labelling

bp = Blueprint("ops", __name__)
log = logging.getLogger("annotator.requests")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
LOOPBACK = ("127.0.0.1", "::1")
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.before_request(_start)
    app.after_request(_finish)
    app.teardown_request(lambda _exc: events.bind(None, None))
    if app.config.get("LOG_REQUESTS") and not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter("{asctime}{levelname}{message}", style="{",
                                           rename_fields={"asctime": "time", "levelname": "level"}))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
    if _count_label not in labelling.on_save:
        labelling.on_save.append(_count_label)


def _start() -> None:
    g.request_started = time.perf_counter()
    given = request.headers.get("X-Request-Id", "")
    g.request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex
    # The event log's writer reads these (no Flask in the domain): who acts, under which id.
    events.bind(g.request_id, _acting)


def _acting():
    """The API's user (a bearer token's) or the signed-in one."""
    if g.get("api_user") is not None:
        return g.api_user
    return current_user if current_user and current_user.is_authenticated else None


def _finish(response):
    response.headers["X-Request-Id"] = g.get("request_id", "")
    started = g.get("request_started")
    if started is None:
        return response
    seconds = time.perf_counter() - started
    route = request.url_rule.rule if request.url_rule is not None else "(no route)"
    requests_total, latency, _ = _metrics()  # a few microseconds a request
    requests_total.labels(route, request.method, str(response.status_code)).inc()
    latency.labels(route, request.method).observe(seconds)
    if log.handlers:
        level = logging.ERROR if response.status_code >= 500 else logging.INFO
        log.log(level, "request", extra={"request_id": g.request_id, "method": request.method,
                                   "route": route, "path": request.path,
                                   "status": response.status_code, "ms": round(seconds * 1000, 2),
                                   "address": request.remote_addr})
    return response


def _count_label(outcome: str) -> None:
    _metrics()[2].labels(outcome).inc()


_made = threading.Lock()


@cache
def _metrics():
    """The metrics of this process, made on first use (see the module's docstring). Under a
    lock: the first requests of a worker's threads arrive together, and a metric registered
    twice is an error (functools.cache does not stop two first calls at once)."""
    with _made:
        return _make_metrics()


@cache
def _make_metrics():
    from prometheus_client import Counter, Histogram

    return (Counter("annotator_requests", "HTTP requests answered", ["route", "method", "status"]),
            Histogram("annotator_request_seconds", "Time to answer a request", ["route", "method"],
                      buckets=BUCKETS),
            Counter("annotator_label_writes", "Labels stored, by outcome "
                    "(created, changed, unchanged)", ["outcome"]))


@bp.get("/healthz")
def healthz():
    """For a load balancer: the database answers and its schema is the newest migration."""
    session_factory = current_app.extensions["annotator.sessionmaker"]
    try:
        with session_factory() as session:
            session.execute(text("SELECT 1"))
            current = dbmod.schema_revision(session.connection())
    except Exception as err:  # any failure to reach the database is "down", never a 500
        return jsonify({"status": "down", "database": type(err).__name__}), 503
    head = dbmod.head_revision()
    if current != head:
        return jsonify({"status": "down", "database": "ok",
                        "migrations": f"at {current}, newest {head}: run `annotator init`"}), 503
    return jsonify({"status": "ok", "database": "ok", "migrations": "current"})


@bp.get("/metrics")
def metrics():
    """Prometheus text format. Open to loopback addresses, or to `Authorization: Bearer
    METRICS_TOKEN` when that is configured (metrics show which routes are used, how much)."""
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
    from prometheus_client.multiprocess import MultiProcessCollector

    token = current_app.config.get("METRICS_TOKEN")
    if token:
        if not hmac.compare_digest(request.headers.get("Authorization", ""), f"Bearer {token}"):
            return Response("metrics: a bearer token is required\n", 401, mimetype="text/plain")
    elif request.remote_addr not in LOOPBACK:
        return Response("metrics: loopback only unless METRICS_TOKEN is set\n", 403,
                        mimetype="text/plain")
    _metrics()
    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
