"""The disagreement queue's filters and the annotators' pseudonyms (no Flask import).

One parser for the page, its JSON twin and the API: the query arguments ``article`` (repeatable
article ids), ``pair`` (two label ids, ``a,b``: the sentence has at least one label of each),
``annotator`` (a pseudonym such as ``A2``, or a username), ``outlet`` (the article's source) and
``q`` (text the sentence contains, case-insensitive) and ``reason`` (``disagreement``: annotators
disagree; ``suspect``: the project model flags the final label as a suspected error; either
when not given).

Pseudonyms: the queue shows annotators as ``A1``, ``A2``, ... so that a reviewer weighs the
labels, not who gave them. ``A1`` is the project's annotator with the lowest account id among
those who labelled in it, ``A2`` the next, and so on: the same person keeps the same pseudonym
on every page and request while the set of annotators is unchanged.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import MAX_ID, Annotation, Project, User

KEYS = ("article", "pair", "annotator", "outlet", "q", "reason")
REASONS = ("disagreement", "suspect")
MAX_TEXT = 200
MAX_SEEN = 5000


class FilterError(ValueError):
    """A refused filter; the message names the field."""


@dataclass(frozen=True)
class QueueFilters:
    articles: tuple[int, ...] = ()
    pair: tuple[str, str] | None = None
    annotator: str | None = None
    outlet: str | None = None
    text: str | None = None
    reason: str | None = None   # one of REASONS, or None for both

    def query(self) -> list[tuple[str, str]]:
        """The filters as query pairs, as `parse` reads them (for links that keep them)."""
        out = [("article", str(a)) for a in self.articles]
        if self.pair:
            out.append(("pair", ",".join(self.pair)))
        for key, value in (("annotator", self.annotator), ("outlet", self.outlet), ("q", self.text),
                           ("reason", self.reason)):
            if value:
                out.append((key, value))
        return out

    def as_dict(self) -> dict:
        return {"article": list(self.articles), "pair": ",".join(self.pair) if self.pair else None,
                "annotator": self.annotator, "outlet": self.outlet, "q": self.text,
                "reason": self.reason}

    def active(self) -> bool:
        return bool(self.query())


def _one(args: Mapping[str, list[str]], key: str) -> str | None:
    values = [v for v in args.get(key, []) if v != ""]
    if len(values) > 1:
        raise FilterError(f"{key}: give it once")
    if values and (len(values[0]) > MAX_TEXT or not values[0].isprintable()):
        raise FilterError(f"{key}: printable text of at most {MAX_TEXT} characters")
    return values[0].strip() if values else None


def parse(args: Mapping[str, list[str]], labels: list[str]) -> QueueFilters:
    """The filters from query arguments (each key to its list of values); FilterError names a
    bad field. `labels` are the project's label ids."""
    articles = []
    for raw in args.get("article", []):
        if raw == "":
            continue
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 10 and int(raw) <= MAX_ID):
            raise FilterError(f"article: article ids are whole numbers up to {MAX_ID}")
        articles.append(int(raw))
    pair = None
    raw_pair = _one(args, "pair")
    if raw_pair:
        parts = tuple(p.strip() for p in raw_pair.split(","))
        if len(parts) != 2 or parts[0] == parts[1] or not all(p in labels for p in parts):
            raise FilterError(f"pair: two different label ids separated by a comma, from "
                              f"{', '.join(labels)}")
        pair = tuple(sorted(parts, key=labels.index))
    reason = _one(args, "reason")
    if reason is not None and reason not in REASONS:
        raise FilterError(f"reason: one of {', '.join(REASONS)}")
    return QueueFilters(tuple(sorted(set(articles))), pair, _one(args, "annotator"),
                        _one(args, "outlet"), _one(args, "q"), reason)


def parse_seen(raw: str | None) -> tuple[int, ...]:
    """Sentence ids a client holds already (``seen=1,2,3``), left out of the answer."""
    if not raw:
        return ()
    parts = raw.split(",")
    if len(parts) > MAX_SEEN or not all(p.isascii() and p.isdigit() and len(p) <= 10 for p in parts):
        raise FilterError(f"seen: up to {MAX_SEEN} sentence ids separated by commas")
    return tuple(int(p) for p in parts)


def pseudonyms(session: Session, project: Project) -> dict[str, str]:
    """username -> pseudonym ("A1", "A2", ...) of everyone who labelled in the project."""
    names = session.scalars(
        select(User.username).where(select(Annotation.id).where(
            Annotation.user_id == User.id, Annotation.project_id == project.id).exists())
        .order_by(User.id)).all()
    return {name: f"A{i}" for i, name in enumerate(names, 1)}


def resolve_annotator(value: str, names: dict[str, str]) -> str:
    """The username a filter value means: a pseudonym of `names` first, else the value."""
    by_pseudonym = {p: n for n, p in names.items()}
    return by_pseudonym.get(value, value)
