"""Releases (issue 20 item 5): a frozen snapshot with a content hash, and the diff between two."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sqlalchemy import select

from annotator import assign, create_app, db as dbmod, ingest, labelling, projects, releases, users
from annotator.articles import add_articles
from annotator.export.annotation_import import import_annotations
from annotator.labelling import LabelInput
from annotator.models import Sentence
from annotator.review.adjudication import set_gold

from helpers import SAMPLE


def _label_all(session, project, people, label="neutral_fact"):
    for u in people:
        while (s := assign.next_sentence(session, project, u)) is not None:
            labelling.save(session, project, s, u, LabelInput(label), held_only=False)


def _body(session, project):
    return list(session.scalars(select(Sentence).where(Sentence.project_id == project.id,
                                                       Sentence.kind == "body")
                                .order_by(Sentence.position)))


def test_three_changes_between_two_releases_are_exactly_the_diff(app, db, project, make_user, tmp_path):
    a, b, rev = make_user("a"), make_user("b"), make_user("rev", "reviewer")
    _label_all(db, project, [a, b])
    where = tmp_path / "releases"
    first = releases.create(db, project, "v1", where, by=rev)
    s1, s2, s3 = _body(db, project)[:3]
    # Three scripted changes: a label changed, a label removed, a gold label given.
    labelling.save(db, project, s1, a, LabelInput("attributed_claim"))
    labelling.remove(db, project, s2, b)
    set_gold(db, project, s3, rev, "contested_framing", note="loaded term")
    second = releases.create(db, project, "v2", where)
    assert first.content_hash != second.content_hash

    changes = [c.as_dict() for c in releases.diff(db, project, "v1", "v2")]
    assert [(c["what"], c["change"], c["sentence_id"]) for c in changes] == [
        ("label", "changed", s1.id), ("label", "removed", s2.id), ("gold", "added", s3.id)]
    assert changes[0]["annotator"] == "a" and changes[1]["annotator"] == "b"
    assert changes[0]["before"]["label"] == "neutral_fact"
    assert changes[0]["after"]["label"] == "attributed_claim"
    assert changes[2]["after"] == {"gold": "contested_framing", "gold_note": "loaded term"}
    assert releases.diff(db, project, "v2", "v1")[0].change == "changed"
    assert releases.diff(db, project, "v1", "v1") == []

    folder = Path(second.path)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["previous"] == "v1" and manifest["content_hash"] == second.content_hash
    assert manifest["changes"]["label"] == {"added": 0, "changed": 1, "removed": 1}
    assert manifest["changes"]["gold"] == {"added": 1, "changed": 0, "removed": 0}
    card = (folder / "README.md").read_text()
    assert "release `v2`" in card and second.content_hash in card
    changelog = (folder / "CHANGELOG.md").read_text()
    assert "Since release `v1`" in changelog and "labels: 0 added, 1 changed, 1 removed" in changelog


def test_a_release_holds_every_kind_that_applies_and_cannot_be_overwritten(app, db, project, make_user, tmp_path):
    _label_all(db, project, [make_user("a"), make_user("b")])
    release = releases.create(db, project, "2026-12.rc1", tmp_path)
    folder = Path(release.path)
    files = release.manifest["files"]
    assert "annotations.jsonl" in files and "sentences.jsonl" in files and "gold.jsonl" in files
    assert "predictions" in release.manifest["skipped"]  # no model trained: said why
    for name, meta in files.items():
        lines = (folder / name).read_bytes().splitlines()
        assert len(lines) == meta["records"]
        assert not os.access(folder / name, os.W_OK) or os.geteuid() == 0
    n_labels = sum(1 for _ in (folder / "annotations.jsonl").open())
    assert n_labels == files["annotations.jsonl"]["records"] > 0
    with pytest.raises(releases.ReleaseError, match="already"):
        releases.create(db, project, "2026-12.rc1", tmp_path)
    for bad in ("", "../up", "a b", "x" * 65, ".hidden"):
        with pytest.raises(releases.ReleaseError, match="name"):
            releases.create(db, project, bad, tmp_path)
    assert [r.name for r in releases.of_project(db, project)] == ["2026-12.rc1"]
    assert sorted(p.name for p in (tmp_path / "news").iterdir()) == ["2026-12.rc1"]  # no leftovers


def test_the_content_hash_is_the_same_on_another_database(app, db, project, make_user, tmp_path):
    """The same labels, read back into a fresh SQLite database with import-annotations (which
    keeps their times), give the same content hash: on the PostgreSQL pass this compares
    PostgreSQL with SQLite."""
    rev = make_user("rev", "reviewer")
    _label_all(db, project, [make_user("a")], "attributed_claim")
    _label_all(db, project, [make_user("b")], "neutral_fact")
    set_gold(db, project, _body(db, project)[0], rev, "neutral_fact", note="é ✓ «quote»")
    here = releases.create(db, project, "r", tmp_path / "here")
    labels = (Path(here.path) / "annotations.jsonl").read_bytes()

    other = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'other.db'}",
                        "INSTANCE_PATH": str(tmp_path / "other"), "SECRET_KEY": "x"})
    dbmod.upgrade(other.extensions["annotator.engine"])
    with other.extensions["annotator.sessionmaker"]() as session:
        for name, role in (("a", "annotator"), ("b", "annotator"), ("rev", "reviewer")):
            users.create_user(session, name, role, "password123")
        session.commit()
        proj = projects.create_project(session, "news", "News", overlap=2)
        session.commit()
        add_articles(session, proj, ingest.parse_file("sample.txt", SAMPLE.encode()), "sample.txt")
        import_annotations(session, proj, "annotations.jsonl", labels)
        set_gold(session, proj, _body(session, proj)[0], users.by_name(session, "rev"),
                 "neutral_fact", note="é ✓ «quote»")
        there = releases.create(session, proj, "r", tmp_path / "there")
    other.extensions["annotator.engine"].dispose()
    assert here.manifest["files"] == there.manifest["files"]
    assert here.content_hash == there.content_hash


def test_the_pages_make_list_diff_and_serve_releases(app, db, project, make_user):
    from helpers import csrf_token, login

    admin, rev = make_user("boss", "admin"), make_user("rev", "reviewer")
    _label_all(db, project, [make_user("a"), make_user("b")])
    client = app.test_client()
    token = login(client, "rev")
    # A reviewer reads releases but may not make one.
    assert client.get("/projects/news/releases").status_code == 200
    r = client.post("/projects/news/releases", data={"name": "v1", "csrf_token": csrf_token(client, "/projects/news/releases")})
    assert r.status_code == 403
    client = app.test_client()
    login(client, "boss")
    page = client.get("/projects/news/releases").get_data(as_text=True)
    assert 'name="name"' in page and "No release yet" in page
    assert client.post("/projects/news/releases", data={"name": "v1"}).status_code == 400  # no CSRF
    for name in ("v1", "v2"):
        r = client.post("/projects/news/releases",
                        data={"name": name, "csrf_token": csrf_token(client, "/projects/news/releases")})
        assert r.status_code == 302
        if name == "v1":
            set_gold(db, project, _body(db, project)[0], rev, "attributed_claim")
    r = client.post("/projects/news/releases",
                    data={"name": "v1", "csrf_token": csrf_token(client, "/projects/news/releases")},
                    follow_redirects=True)
    assert "already" in r.get_data(as_text=True)
    listed = client.get("/projects/news/releases?format=json").get_json()["releases"]
    assert [r["name"] for r in listed] == ["v1", "v2"]
    assert "path" not in listed[0] and listed[1]["changes"]["gold"]["added"] == 1
    diff = client.get("/projects/news/releases/diff?a=v1&b=v2&format=json").get_json()
    assert [(c["what"], c["change"]) for c in diff["changes"]] == [("gold", "added")]
    html = client.get("/projects/news/releases/diff?a=v1&b=v2").get_data(as_text=True)
    assert "added" in html and "gold" in html
    dl = client.get("/projects/news/releases/diff?a=v1&b=v2&download=jsonl")
    assert "attachment" in dl.headers["Content-Disposition"]
    assert [json.loads(l)["what"] for l in dl.get_data(as_text=True).splitlines()] == ["gold"]
    assert client.get("/projects/news/releases/diff?a=v1&b=nope").status_code == 400
    f = client.get("/projects/news/releases/v2/README.md")
    assert f.status_code == 200 and b"release `v2`" in f.data
    assert client.get("/projects/news/releases/v2/annotations.jsonl").status_code == 200
    for bad in ("../v1/README.md", "secret_key", "..%2F..%2Fsecret_key", "nope.jsonl"):
        assert client.get(f"/projects/news/releases/v2/{bad}").status_code == 404, bad


def test_release_and_diff_commands(app, db, project, make_user):
    _label_all(db, project, [make_user("a"), make_user("b")])
    runner = app.test_cli_runner()
    r = runner.invoke(args=["release", "news", "v1"])
    assert r.exit_code == 0, r.output
    assert "sha256:" in r.output and "predictions left out" in r.output
    s = _body(db, project)[0]
    labelling.save(db, project, s, users.by_name(db, "a"), LabelInput("contested_framing"))
    assert runner.invoke(args=["release", "news", "v2"]).exit_code == 0
    r = runner.invoke(args=["release", "news", "v2"])
    assert r.exit_code != 0 and "already" in r.output
    r = runner.invoke(args=["diff", "news", "v1", "v2"])
    assert r.exit_code == 0 and r.output.splitlines()[0].startswith("changed  label")
    assert "1 changes from v1 to v2" in r.output
    r = runner.invoke(args=["diff", "news", "v1", "v2", "--json"])
    assert json.loads(r.stdout.splitlines()[0])["after"]["label"] == "contested_framing"
    r = runner.invoke(args=["diff", "news", "v1", "v9"])
    assert r.exit_code != 0 and "no release 'v9'" in r.output
