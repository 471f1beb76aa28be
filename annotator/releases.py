"""Releases: frozen, citable snapshots of a project's labels, and the diff between two of them
(issue 20 item 5; no Flask import).

A release is a folder RELEASES_DIR/<slug>/<name>/ holding every export kind that applies to
the project (JSON lines), a dataset card that cites the release, a changelog against the
release before it, and manifest.json. It is written to a hidden folder, made read-only and
then renamed into place, so nobody sees half a release; the `releases` row is what lists it.

The content hash is a SHA-256 over the canonical JSON of every record of every kind (keys
sorted, no insignificant whitespace, UTF-8), in the exports' own order (article id, position,
annotator). The card and the changelog are left out: they carry the time they were written. So
the same labels give the same hash on SQLite and PostgreSQL, today or next year.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .db import begin_write, read_snapshot
from .export.dataset_card import dataset_card
from .export.kinds import KINDS, ExportRefused, records
from .models import Project, Release, User

NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
MANIFEST = "manifest.json"
CHANGELOG = "CHANGELOG.md"
CARD = "README.md"
CHANGELOG_LINES = 1000  # the changelog lists this many changes; `annotator diff` lists them all


class ReleaseError(ValueError):
    """A release that cannot be made or read; str(e) says why."""


def canonical(record: dict) -> bytes:
    return json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def by_name(session: Session, project: Project, name: str) -> Release | None:
    return session.scalar(select(Release).where(Release.project_id == project.id,
                                                Release.name == name))


def files_of(release: Release) -> list[str]:
    """The files of a release folder: the kinds, the card, the changelog, the manifest."""
    return [*release.manifest["files"], CARD, CHANGELOG, MANIFEST]


def of_project(session: Session, project: Project) -> list[Release]:
    """The project's releases, oldest first."""
    return list(session.scalars(select(Release).where(Release.project_id == project.id)
                                .order_by(Release.created_at, Release.id)))


def create(session: Session, project: Project, name: str, directory: str | Path,
           by: User | None = None) -> Release:
    """Freeze the project's labels as release `name` and commit its row. The records are read
    in one snapshot (db.read_snapshot), so a label stored meanwhile is in every file or none.
    Ends the session's open transaction first."""
    if not NAME_RE.fullmatch(name or ""):
        raise ReleaseError(f"name: 1-64 letters, digits, '.', '_' or '-', starting with a letter "
                           f"or digit (got {name!r})")
    read_snapshot(session)
    if by_name(session, project, name) is not None:
        raise ReleaseError(f"name: project {project.slug} has a release {name!r} already "
                           "(a release is never overwritten)")
    previous = (of_project(session, project) or [None])[-1]
    root = Path(directory) / project.slug
    target = root / name
    if target.exists():
        raise ReleaseError(f"name: {target} exists already")
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".{name}.part-{secrets.token_hex(4)}"
    tmp.mkdir()
    try:
        content, files, skipped = _write_kinds(session, project, tmp)
        changes = diff_folders(Path(previous.path), tmp) if previous else None
        card = dataset_card(session, project, "annotations", "annotations.jsonl",
                            release=(name, content))
        (tmp / CARD).write_text(card, encoding="utf-8")
        (tmp / CHANGELOG).write_text(_changelog(project.slug, name, previous, changes),
                                     encoding="utf-8")
        manifest = {"project": project.slug, "release": name, "content_hash": content,
                    "hash": "sha256 over the canonical JSON of every record of every kind, in "
                            "kind order: " + ", ".join(files),
                    "files": files, "skipped": skipped,
                    "previous": previous.name if previous else None,
                    "changes": summary(changes) if changes is not None else None}
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False),
                                    encoding="utf-8")
        # The row in a write transaction of its own: on SQLite a read transaction that begins
        # to write after another writer has committed fails at once.
        project_id, by_id = project.id, by.id if by else None
        begin_write(session)
        release = Release(project_id=project_id, name=name, content_hash=content,
                          created_by_id=by_id, path=str(target), manifest=manifest)
        session.add(release)
        session.flush()  # a concurrent release of the same name fails here, before the rename
        for f in tmp.iterdir():
            f.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        os.rename(tmp, target)
        session.commit()
    except IntegrityError:  # the same name, released meanwhile by someone else
        session.rollback()
        shutil.rmtree(tmp, ignore_errors=True)
        raise ReleaseError(f"name: project {project.slug} has a release {name!r} already") from None
    except BaseException:
        session.rollback()
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return release


def export_all(session: Session, project: Project, folder: str | Path) -> dict:
    """Every export kind that applies to the project, as canonical JSON lines in `folder`
    (made here): what `annotator purge` writes before it removes anything. Returns per file
    its record count and SHA-256."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=False)
    return _write_kinds(session, project, folder)[1]


def _write_kinds(session: Session, project: Project, folder: Path):
    """Every kind that applies, as canonical JSON lines; the content hash over all of them,
    and per file its record count and SHA-256."""
    content = hashlib.sha256()
    files, skipped = {}, {}
    for kind in KINDS:
        try:
            recs = records(session, project, kind)
        except ExportRefused as err:  # babe on a custom scheme, predictions without a model
            skipped[kind] = str(err)
            continue
        name, n, own = f"{kind}.jsonl", 0, hashlib.sha256()
        content.update(f"{kind}\n".encode())
        with open(folder / name, "wb") as fh:
            for rec in recs:
                line = canonical(rec) + b"\n"
                fh.write(line)
                content.update(line)
                own.update(line)
                n += 1
        files[name] = {"records": n, "sha256": own.hexdigest()}
    return content.hexdigest(), files, skipped


# -- the diff -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    what: str     # unit | label | gold
    change: str   # added | changed | removed
    key: dict     # which unit (sentence_id), which label (sentence_id, annotator)
    before: dict | None
    after: dict | None

    def as_dict(self) -> dict:
        return {"what": self.what, "change": self.change, **self.key,
                "before": self.before, "after": self.after}

    def line(self) -> str:
        key = " ".join(f"{k}={v}" for k, v in self.key.items())
        show = {"added": self.after, "removed": self.before}.get(self.change)
        if show is None:
            show = {k: f"{self.before.get(k)!r} -> {self.after.get(k)!r}"
                    for k in self.after if self.before.get(k) != self.after.get(k)}
        return f"{self.change:<8} {self.what:<5} {key}  " + json.dumps(show, ensure_ascii=False)


# What each part of a release is compared on: the unit as segmented, the annotator's label as
# given, and the reviewer's gold label (the adjudication; a majority that moves with new labels
# is not a change of its own).
_UNIT = ("article_id", "position", "start", "end", "text", "kind")
_LABEL = ("label", "labels", "spans", "comment")
_GOLD = ("gold", "gold_labels", "gold_note")
# A label set (multi-label projects) is compared where it holds more than its first label: a
# single-label record, or a release made before sets were exported, holds none.
_SETS = {"labels": "label", "gold_labels": "gold"}


def _fields(rec: dict, keys: tuple) -> dict:
    out = {k: rec.get(k) for k in keys}
    for k, one in _SETS.items():
        if k in out and (out[k] or [rec.get(one)]) == [rec.get(one)]:
            del out[k]
    return out


def _read(folder: Path, kind: str) -> Iterator[dict]:
    path = folder / f"{kind}.jsonl"
    if not path.exists():
        raise ReleaseError(f"{path}: missing (not a release folder?)")
    with open(path, "rb") as fh:
        for n, line in enumerate(fh, 1):
            try:
                yield json.loads(line)
            except ValueError as err:
                raise ReleaseError(f"{path}, line {n}: {err}") from None


def _state(folder: Path) -> dict[str, dict]:
    units, gold, labels = {}, {}, {}
    for rec in _read(folder, "sentences"):
        key = (rec["sentence_id"],)
        units[key] = _fields(rec, _UNIT)
        if rec.get("gold") is not None:
            gold[key] = _fields(rec, _GOLD)
    for rec in _read(folder, "annotations"):
        labels[(rec["sentence_id"], rec["annotator"])] = _fields(rec, _LABEL)
    return {"unit": units, "label": labels, "gold": gold}


_KEYS = {"unit": ("sentence_id",), "label": ("sentence_id", "annotator"), "gold": ("sentence_id",)}


def diff_folders(a: Path, b: Path) -> list[Change]:
    """What changed from release folder `a` to `b`: units, labels and gold, each added,
    changed or removed, in key order."""
    old, new = _state(a), _state(b)
    out = []
    for what in ("unit", "label", "gold"):
        before, after = old[what], new[what]
        for key in sorted(before.keys() | after.keys()):
            x, y = before.get(key), after.get(key)
            if x == y:
                continue
            change = "added" if x is None else "removed" if y is None else "changed"
            out.append(Change(what, change, dict(zip(_KEYS[what], key)), x, y))
    return out


def diff(session: Session, project: Project, a: str, b: str) -> list[Change]:
    """The changes from release `a` to release `b` of the project."""
    found = []
    for name in (a, b):
        release = by_name(session, project, name)
        if release is None:
            raise ReleaseError(f"release: project {project.slug} has no release {name!r}")
        found.append(Path(release.path))
    return diff_folders(*found)


def summary(changes: Iterable[Change]) -> dict:
    """{unit|label|gold: {added, changed, removed}}: counts of the changes."""
    out = {what: {"added": 0, "changed": 0, "removed": 0} for what in ("unit", "label", "gold")}
    for c in changes:
        out[c.what][c.change] += 1
    return out


def _changelog(slug: str, name: str, previous: Release | None, changes: list[Change] | None) -> str:
    if previous is None:
        return f"# Changes in {name}\n\nThe first release of this project.\n"
    lines = [f"# Changes in {name}", "", f"Since release `{previous.name}` "
             f"(content hash `{previous.content_hash}`):", ""]
    for what, counts in summary(changes).items():
        lines.append(f"- {what}s: " + ", ".join(f"{n} {c}" for c, n in counts.items()))
    lines += ["", "```"] + [c.line() for c in changes[:CHANGELOG_LINES]] + ["```"]
    if len(changes) > CHANGELOG_LINES:
        lines.append(f"\n{len(changes) - CHANGELOG_LINES} more: `annotator diff {slug} "
                     f"{previous.name} {name}` lists them all.")
    return "\n".join(lines) + "\n"
