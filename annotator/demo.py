"""The demo: project "demo", five users and four wire-style articles (idempotent)."""
from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.orm import Session

from . import ingest, projects, users
from .articles import add_articles

DATA = Path(__file__).resolve().parent / "demo_data"
GUIDELINES = Path(__file__).resolve().parent.parent / "docs" / "guidelines.md"
DEMO_USERS = [("admin", "admin"), ("reviewer", "reviewer"), ("alice", "annotator"),
              ("bob", "annotator"), ("carol", "annotator")]
CREDENTIALS = "demo-credentials.txt"


def _guidelines() -> str:
    if GUIDELINES.exists():
        return GUIDELINES.read_text(encoding="utf-8")
    return ("Label each sentence: **attributed claim** (the text attributes it to a source), "
            "**contested framing** (the outlet's own voice uses a loaded term) or **neutral fact**.")


def load_demo(session: Session, instance: Path) -> list[str]:
    """Create what is missing; never changes an existing password. Returns lines to print."""
    creds_path = instance / CREDENTIALS
    known = {}
    if creds_path.exists():
        for line in creds_path.read_text().splitlines():
            name, _, pw = line.partition(" ")
            known[name] = pw
    lines = []
    for name, role in DEMO_USERS:
        if users.by_name(session, name) is None:
            password = users.generate_password()
            users.create_user(session, name, role, password)
            known[name] = password
    session.commit()
    # Demo passwords are kept in instance/ (mode 600) so that `make run` can show them again.
    instance.mkdir(parents=True, exist_ok=True)
    fd = os.open(creds_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write("".join(f"{n} {known[n]}\n" for n, _ in DEMO_USERS if n in known))
    project = projects.by_slug(session, "demo")
    if project is None:
        project = projects.create_project(session, "demo", "Demo: Ostrel Valley border conflict",
                                          overlap=2, guidelines=_guidelines())
        session.commit()
    items = ingest.parse_file("articles.jsonl", (DATA / "articles.jsonl").read_bytes())
    report = add_articles(session, project, items, "demo articles")
    lines.append(f"Demo project 'demo': {len(report.added)} new article(s), "
                 f"{len(report.skipped)} already there.")
    lines.append("Demo sign-ins (username password):")
    for name, role in DEMO_USERS:
        lines.append(f"  {name:<9} {known.get(name, '(password set earlier, not known)'):<20} {role}")
    return lines
