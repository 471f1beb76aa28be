"""A live annotator server and page helpers for the browser tests and bench/browser.py.

The server uses its own SQLite file (never ANNOTATOR_DATABASE_URL, so a PostgreSQL test
run does not leak into it), except for tests marked any_database, which serve the test suite's
own app on whichever database that run uses, and werkzeug's threaded server on 127.0.0.1 with a free port.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import threading
from pathlib import Path

from werkzeug.serving import make_server

from annotator import create_app, users
from annotator.db import make_engine, make_sessionmaker, upgrade
from annotator.demo import load_demo

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "screenshots"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VIEWPORT = {"width": 1280, "height": 720}
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update"]
# Known passwords for the demo users (load_demo keeps existing accounts as they are).
USERS = {"admin": "admin", "reviewer": "reviewer", "alice": "annotator", "bob": "annotator",
         "carol": "annotator"}
PASSWORD = "browser-test-pw"

logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not os.path.exists(CHROMIUM):
        return f"{CHROMIUM} is not installed (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -e '.[dev]')"
    return None


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def build_demo_db(path: Path, instance: Path) -> None:
    """A fresh database with the demo project, its articles and the demo users."""
    engine = make_engine(sqlite_url(path))
    upgrade(engine)
    session = make_sessionmaker(engine)()
    try:
        for name, role in USERS.items():
            users.create_user(session, name, role, PASSWORD)
        session.commit()
        load_demo(session, instance)
    finally:
        session.close()
        engine.dispose()


def copy_db(src: Path, dst: Path) -> None:
    """Copy an SQLite database that no connection holds open (WAL files included)."""
    shutil.copyfile(src, dst)
    for suffix in ("-wal", "-shm"):
        if Path(str(src) + suffix).exists():
            shutil.copyfile(str(src) + suffix, str(dst) + suffix)


class LiveServer:
    """create_app() on its own SQLite file (or an app already made, on any database: the
    tests marked any_database), served by werkzeug in a thread."""

    def __init__(self, db_path: Path | None, instance: Path | None, app=None, **config):
        if app is None:
            instance.mkdir(parents=True, exist_ok=True)
            app = create_app({
                "DATABASE_URL": sqlite_url(db_path), "INSTANCE_PATH": str(instance),
                "EXPORT_DIR": str(instance / "export"), "SECRET_KEY": "browser-test-secret",
                **config})
        self.app = app
        self.db_url = str(app.config["DATABASE_URL"])
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)
        self.app.extensions["annotator.engine"].dispose()

    def session(self):
        """A new database session on the server's database (close it after use)."""
        return self.app.extensions["annotator.sessionmaker"]()


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def sign_in(page, base: str, username: str, password: str = PASSWORD, next_path: str = "") -> None:
    page.goto(base + "/login" + (f"?next={next_path}" if next_path else ""))
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("form button[type=submit].primary")
    page.wait_for_load_state()


def axe_available() -> str | None:
    if not AXE.exists():
        return ("axe-core is not installed: run `npm ci` in the repository (package.json); "
                "the accessibility audit is skipped")
    return None


def run_axe(page) -> list[dict]:
    """Serious and critical axe-core violations on the page as it is now."""
    if not page.evaluate("() => !!window.axe"):
        page.evaluate(AXE.read_text(encoding="utf-8"))  # evaluated by the driver: CSP allows it
    found = page.evaluate("""() => axe.run(document, {resultTypes: ['violations']}).then(r =>
        r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))})))""")
    return [v for v in found if v["impact"] in ("serious", "critical")]


def wait_id_change(page, old: str | int | None, timeout: float = 5000) -> int:
    """Wait until the sentence shown is another one; return its id."""
    page.wait_for_function(
        "old => { const el = document.getElementById('sentence'); return el && el.dataset.id && el.dataset.id !== String(old); }",
        arg=str(old), timeout=timeout)
    return int(page.get_attribute("#sentence", "data-id"))


def shown_id(page) -> int:
    return int(page.get_attribute("#sentence", "data-id"))


def wait_saved(page, timeout: float = 10000) -> None:
    """Wait until the page's outbox is empty (every label stored by the server)."""
    page.wait_for_selector("#annotate[data-unsaved='0']", state="attached", timeout=timeout)


def outbox(page, user: str) -> list:
    return json.loads(page.evaluate(f"() => localStorage.getItem('annotator:outbox:{user}') || '[]'"))


# --- database helpers (through the domain modules, as the app itself writes) ---

def body_sentences(srv: LiveServer, slug: str = "demo") -> list:
    """The project's body sentences in queue order (article, position): [(id, article_id, text)]."""
    from sqlalchemy import select

    from annotator import projects
    from annotator.models import Sentence

    with srv.session() as s:
        project = projects.by_slug(s, slug)
        return s.execute(select(Sentence.id, Sentence.article_id, Sentence.text).where(
            Sentence.project_id == project.id, Sentence.kind == "body")
            .order_by(Sentence.article_id, Sentence.position)).all()


def annotations(srv: LiveServer, username: str | None = None) -> dict[int, object]:
    """sentence id -> Annotation (of one user, or of everyone keyed by (id, user))."""
    from sqlalchemy import select

    from annotator.models import Annotation, User

    with srv.session() as s:
        stmt = select(Annotation, User.username).join(User, User.id == Annotation.user_id)
        if username:
            stmt = stmt.where(User.username == username)
        rows = s.execute(stmt).all()
        if username:
            return {a.sentence_id: a for a, _ in rows}
        return {(a.sentence_id, name): a for a, name in rows}


def label_as(srv: LiveServer, username: str, labels: dict[int, str], slug: str = "demo",
             spans: dict[int, list] | None = None) -> None:
    """Store labels (and spans) as `username` would (labelling.save), for pages that need data."""
    from annotator import labelling, projects
    from annotator.models import Sentence

    with srv.session() as s:
        project = projects.by_slug(s, slug)
        user = users.by_name(s, username)
        for sid, label in labels.items():
            labelling.save(s, project, s.get(Sentence, sid), user,
                        labelling.LabelInput(label=label, spans=(spans or {}).get(sid)), held_only=False)


def make_project(srv: LiveServer, slug: str, text: str, **settings) -> list[int]:
    """A project open to everyone with one .txt article; returns its body sentence ids."""
    from annotator import ingest, projects
    from annotator.articles import add_articles

    with srv.session() as s:
        project = projects.create_project(s, slug, slug.title(), overlap=2, settings_=settings)
        s.commit()
        add_articles(s, project, ingest.parse_file(f"{slug}.txt", text.encode()), f"{slug}.txt")
    return [sid for sid, _, _ in body_sentences(srv, slug)]


# A project of four body sentences.
# Six body sentences in one paragraph (the task-shape tests walk several).
SIX_SENTENCES = ("Six sentences\n\nThe ministry said the road was closed. Troops liberated the village. "
                 "The bridge is 12 km long. It opened in 2019. Officials said it was safe. "
                 "The river rose in May.\n")

SMALL = ("Short article\n\nThe ministry said the road was closed. Troops liberated the village.\n\n"
         "The bridge is 12 km long. It opened in 2019.\n")


def seed_labels(server: LiveServer, n: int = 30) -> list[int]:
    """alice, bob and carol label the first n demo sentences, agreeing most of the time
    (bob differs on every 4th, carol on some and skips every 3rd): data for the review pages."""
    labels = ["attributed_claim", "contested_framing", "neutral_fact"]
    ids = [sid for sid, _, _ in body_sentences(server)][:n]
    differs = {"alice": lambda i: False, "bob": lambda i: i % 4 == 0, "carol": lambda i: i % 5 == 1}
    for name, off in differs.items():
        label_as(server, name, {sid: labels[(i + off(i)) % 3] for i, sid in enumerate(ids)
                                if not (name == "carol" and i % 3 == 2)})
    return ids


# Installed after load (by the weight test and bench/browser.py): the time from a key's event to the DOM showing the next sentence, and
# to the first frame painted after it.
LATENCY_PROBE = """() => {
  performance.setResourceTimingBufferSize(100000);
  window.__latency = [];
  const el = document.getElementById('sentence');
  let t0 = null, prev = el.dataset.id;
  document.addEventListener('keydown', (e) => { t0 = e.timeStamp; }, true);
  new MutationObserver(() => {
    if (t0 === null || el.dataset.id === prev || !el.dataset.id) return;
    prev = el.dataset.id;
    const start = t0, dom = performance.now() - start;
    t0 = null;
    requestAnimationFrame(() => setTimeout(() => window.__latency.push({dom, paint: performance.now() - start}), 0));
  }).observe(el, {attributes: true, attributeFilter: ['data-id']});
}"""

