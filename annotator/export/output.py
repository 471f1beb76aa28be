"""What the CLI, the API and the admin page send for an export: its bytes in a format (JSONL
or CSV), its file name, and why it is empty when it is (no Flask import)."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from typing import IO

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from ..models import Annotation, Project
from ..projects import settings
from ..review.adjudication import project_final_labels
from .csv_rows import iter_csv, write_csv
from .jsonl import iter_jsonl, write_jsonl
from .kinds import FIELDS, records

FORMATS = ("jsonl", "csv")
MIMETYPES = {"jsonl": "application/x-ndjson", "csv": "text/csv; charset=utf-8"}


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"format: one of {', '.join(FORMATS)} (got {fmt!r})")
    return fmt


def file_name(slug: str, kind: str, fmt: str, when: datetime | None = None) -> str:
    """project-kind-timestamp.ext: two downloads never share a name, and a folder of them
    sorts by project, kind and time."""
    stamp = (when or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%SZ")
    return f"{slug}-{kind}-{stamp}.{fmt}"


def iter_export(session: Session, project: Project, kind: str, fmt: str, bom: bool = False) -> Iterator[bytes]:
    """The export as chunks of bytes (a streamed response's body)."""
    recs = records(session, project, kind)
    if fmt == "csv":
        return iter_csv(recs, FIELDS[kind], bom)
    return iter_jsonl(recs)


def write_export(session: Session, project: Project, kind: str, fmt: str, fh: IO[bytes],
                 bom: bool = False) -> int:
    """Write the export to a binary file; returns how many records."""
    recs = records(session, project, kind)
    if fmt == "csv":
        return write_csv(recs, FIELDS[kind], fh, bom)
    return write_jsonl(recs, fh)


def empty_reason(session: Session, project: Project, kind: str) -> str | None:
    """None when the kind has records for the project; else why it has none, in words an
    admin can act on. (Raises ExportRefused for a kind that cannot apply at all.)"""
    it = records(session, project, kind)
    try:
        if next(it, None) is not None:
            return None
    finally:
        close = getattr(it, "close", None)
        if close:
            close()
    if kind == "sentences":
        return "kind sentences is empty: the project has no articles yet (import some first)"
    has_labels = session.scalar(select(exists().where(Annotation.project_id == project.id)))
    if not has_labels:
        what = "no sentence has been labelled yet"
        return f"kind {kind} is empty: {what}" + ("" if kind == "annotations" else
                                                    ", so no sentence has a final label")
    finals = 0 if kind == "annotations" else sum(1 for _ in project_final_labels(session, project))
    if kind == "semeval":
        return (f"kind semeval is empty: it has one record per loaded-language span, a "
                f"framing_term span in the outlet's voice marked by at least half of the "
                f"annotators who gave a sentence its final label; {finals} sentence(s) have a "
                f"final label and none has such a span")
    s = settings(project)
    return (f"kind {kind} is empty: no sentence has a final label yet (a reviewer's gold label, "
            f"or the {s['aggregation']} of the annotators' labels reaching the gold threshold "
            f"{s['gold_threshold']:g}); adjudicate disagreements or gather more labels")

