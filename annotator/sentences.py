"""The sentence view: a sentence as the annotate page, the API and review show it, with its
context and hints (no Flask import). `views` is the one place that builds it."""
from __future__ import annotations

from functools import lru_cache

from sqlalchemy import bindparam, literal, null, select, union_all
from sqlalchemy.orm import Session

from .bidi import lang_dir, text_dir
from .models import Annotation, Article, Project, Sentence, User

CONTEXT = 2  # the default context_size: units (or paragraphs) shown on each side
CONTEXT_UNITS = ("sentences", "paragraphs")
MAX_CONTEXT = 10
CONTEXT_KINDS = ("body", "heading")

_S, _ART = Sentence.__table__, Article.__table__


def window(settings: dict) -> tuple[str, int]:
    """The project's context window (projects.settings): ("sentences" | "paragraphs", size)."""
    unit = settings.get("context_unit", "sentences")
    size = settings.get("context_size", CONTEXT)
    return (unit if unit in CONTEXT_UNITS else "sentences",
            size if isinstance(size, int) and 0 <= size <= MAX_CONTEXT else CONTEXT)


def paragraph_starts(text: str, spans: list[tuple[int, int]]) -> list[bool]:
    """For units at (start, end) of the article `text`, in reading order: does each begin a
    paragraph? Units never cross a line break (segment), and every importer writes a block
    (an HTML <p>, a Markdown paragraph, a heading, a line of plain text) on a line of its own,
    blank lines between or not; so a unit begins a paragraph when it is the first, or when the
    text between the end of the unit before it and its start holds a line break. (Pre-split
    units, joined by spaces, are one paragraph: their file says nothing of paragraphs.)"""
    out, prev_end = [], None
    for start, end in spans:
        out.append(prev_end is None or "\n" in text[prev_end:start] or "\r" in text[prev_end:start])
        prev_end = max(end, prev_end or 0)
    return out


def blocks(text: str, units: list[dict]) -> list[dict]:
    """The article as blocks for the article view: units (dicts with start, end, kind, ...) in
    reading order grouped into paragraphs by `paragraph_starts`. A block's kind is "heading"
    if its units are headings, "boilerplate" if none is a body or heading unit (page
    furniture, duplicates), else "paragraph"."""
    out: list[dict] = []
    for unit, starts in zip(units, paragraph_starts(text, [(u["start"], u["end"]) for u in units])):
        if starts or not out:
            out.append({"kind": "", "units": []})
        out[-1]["units"].append(unit)
    for block in out:
        kinds = {u["kind"] for u in block["units"]}
        block["kind"] = ("heading" if kinds == {"heading"} else
                         "paragraph" if kinds & {"body", "heading"} else "boilerplate")
    return out


def context_of(units: list[dict], starts: list[bool], i: int, unit: str, size: int) -> dict:
    """The context of units[i] (units of one article in reading order, `starts` their
    paragraph_starts): the body or heading units around it, `size` of them on each side
    ("sentences"), or the rest of its paragraph and `size` paragraphs on each side
    ("paragraphs"). `before` and `after` are
    their texts; `kinds` their kinds; `breaks` whether each (and the sentence itself) begins a
    paragraph, so that a page can draw the paragraphs. Only paragraphs with body text are
    counted; headings between them are shown, and so are the headings just above the first
    paragraph shown (they introduce it)."""
    shown = [k for k, u in enumerate(units) if u["kind"] in CONTEXT_KINDS]
    if unit == "sentences":
        before = [k for k in shown if k < i][-size:] if size else []
        after = [k for k in shown if k > i][:size]
    else:
        para = _paragraph_numbers(starts)
        counted = sorted({para[k] for k in shown if units[k]["kind"] == "body"})
        mine = para[i]
        lo = [p for p in counted if p < mine][-size:] if size else []
        hi = [p for p in counted if p > mine][:size]
        first, last = (lo[0] if lo else mine), (hi[-1] if hi else mine)
        if size:  # a heading comes with the paragraph it introduces, not as one of its own
            heads = {para[k] for k in shown if units[k]["kind"] == "heading"}
            earlier = [p for p in range(first - 1, -1, -1) if p in heads or p in counted]
            while earlier and earlier[0] in heads and earlier[0] not in counted:
                first = earlier.pop(0)
        before = [k for k in shown if k < i and para[k] >= first]
        after = [k for k in shown if k > i and para[k] <= last]

    visible = set(shown)

    def side(ks):
        return [units[k]["text"] for k in ks], [units[k]["kind"] for k in ks], [
            _begins(starts, k, visible) for k in ks]
    bt, bk, bb = side(before)
    at, ak, ab = side(after)
    return {"before": bt, "after": at, "window": {"unit": unit, "size": size},
            "kinds": {"before": bk, "after": ak},
            "breaks": {"before": bb, "after": ab, "sentence": _begins(starts, i, visible)}}


def directions(lang: str | None, title: str, text: str) -> dict:
    """What a page needs to set `lang` and `dir` on an article's title and on a sentence
    (bidi.py): the article's language tag, its direction ("auto" when it has no language),
    the title's and the sentence's."""
    adir = lang_dir(lang)
    return {"lang": lang, "article_dir": adir or "auto", "title_dir": text_dir(title or "", adir),
            "dir": text_dir(text, adir)}


def group_dir(dirs: list[str], article_dir: str | None) -> str | None:
    """The direction of a paragraph of sentences: theirs if they agree, else the article's."""
    return dirs[0] if dirs and all(d == dirs[0] for d in dirs) else article_dir


def context_groups(ctx: dict, article_dir: str | None = None) -> dict:
    """The context of a view as the focused page draws it: each side's texts grouped into
    paragraphs and headings ({"heading", "texts", "joins", "dir"}); `joins` marks the paragraph
    the sentence itself belongs to (the last one before it, the first one after it); `dir` is
    the paragraph's direction (`group_dir`).
    static/js/article_view.js draws prefetched sentences the same way."""
    breaks, kinds = ctx.get("breaks") or {}, ctx.get("kinds") or {}
    article_dir = None if article_dir == "auto" else article_dir
    out = {}
    for side in ("before", "after"):
        texts = ctx[side]
        starts = breaks.get(side) or [True] * len(texts)
        ks = kinds.get(side) or ["body"] * len(texts)
        dirs = (ctx.get("dirs") or {}).get(side) or [text_dir(t, article_dir) for t in texts]
        groups: list[dict] = []
        for text, begins, kind, d in zip(texts, starts, ks, dirs):
            if begins or not groups or kind == "heading" or groups[-1]["heading"]:
                groups.append({"heading": kind == "heading", "texts": [], "joins": False, "dirs": []})
            groups[-1]["texts"].append(text)
            groups[-1]["dirs"].append(d)
        for g in groups:
            g["dir"] = group_dir(g.pop("dirs"), article_dir) or "auto"
        out[side] = groups
    sentence_begins = breaks.get("sentence", True)
    if out["before"] and not sentence_begins and not out["before"][-1]["heading"]:
        out["before"][-1]["joins"] = True
    after_starts = breaks.get("after") or []
    if out["after"] and after_starts and not after_starts[0] and not out["after"][0]["heading"]:
        out["after"][0]["joins"] = True
    return out


def _paragraph_numbers(starts: list[bool]) -> list[int]:
    n, out = 0, []
    for k, begins in enumerate(starts):
        n += bool(begins and k)
        out.append(n)
    return out


def _begins(starts: list[bool], k: int, shown: set[int]) -> bool:
    """Does unit k begin a paragraph as shown? A paragraph whose first units are boilerplate
    (left out of the context) begins at its first shown unit."""
    j = k
    while not starts[j]:
        j -= 1
        if j in shown:
            return False
    return True


@lru_cache(maxsize=16)
def _views_statement(n: int):
    """One statement for `n` sentences: their own rows (with the article title and language). The ids are
    n plain parameters, so the statement is compiled once per n and cached, where an
    expanding IN list is rendered anew on every call."""
    ids = [bindparam(f"id{i}") for i in range(n)]
    return (select(_S.c.id, _S.c.article_id, _S.c.position, _S.c.text, _S.c.kind, _ART.c.title,
                   _ART.c.lang)
            .select_from(_S.join(_ART, _ART.c.id == _S.c.article_id)).where(_S.c.id.in_(ids)))


@lru_cache(maxsize=16)
def _articles_statement(k: int):
    """One statement for k articles: each article's text (position NULL) and its units in
    reading order (units retired by a repair, at negative positions, left out)."""
    ids = [bindparam(f"a{i}") for i in range(k)]
    return union_all(
        select(_ART.c.id, null().label("position"), null().label("start"), null().label("end"),
               null().label("id2"), literal("article").label("kind"), _ART.c.text)
        .where(_ART.c.id.in_(ids)),
        select(_S.c.article_id, _S.c.position, _S.c.start, _S.c.end, _S.c.id, _S.c.kind, _S.c.text)
        .where(_S.c.article_id.in_(ids), _S.c.position >= 0))


def article_units(session: Session, article_ids) -> dict[int, tuple[str, list[dict]]]:
    """article id -> (its text, its units in reading order: id, position, start, end, kind,
    text). One query."""
    article_ids = sorted(set(article_ids))
    if not article_ids:
        return {}
    texts: dict[int, str] = {}
    units: dict[int, list[dict]] = {a: [] for a in article_ids}
    rows = session.connection().execute(_articles_statement(len(article_ids)),
                                        {f"a{i}": a for i, a in enumerate(article_ids)})
    for aid, position, start, end, sid, kind, text in rows:
        if position is None:
            texts[aid] = text
        else:
            units[aid].append({"id": sid, "position": position, "start": start, "end": end,
                               "kind": kind, "text": text})
    return {a: (texts[a], sorted(units[a], key=lambda u: u["position"])) for a in texts}


def views(session: Session, ids: list[int], hints=None,
          context_window: tuple[str, int] = ("sentences", CONTEXT)) -> list[dict]:
    """DESIGN.md's `next` sentence for each id that exists, in the order given: id, article,
    position, text, kind, its context in the project's window (`window`, see `context_of`;
    with `dirs`, each context text's direction), `hints(text, article language)` (None: no
    hints) and the `directions` (lang, article_dir, title_dir, dir). Two queries: the
    sentences, then their articles."""
    if not ids:
        return []
    rows = session.connection().execute(_views_statement(len(ids)),
                                        {f"id{i}": sid for i, sid in enumerate(ids)})
    own = {sid: (article_id, position, text, kind, title, lang)
           for sid, article_id, position, text, kind, title, lang in rows}
    articles = article_units(session, [v[0] for v in own.values()])
    layout = {aid: ({u["id"]: i for i, u in enumerate(us)},
                    paragraph_starts(text, [(u["start"], u["end"]) for u in us]))
              for aid, (text, us) in articles.items()}
    unit, size = context_window
    out = []
    for sid in ids:
        if sid not in own:
            continue
        article_id, pos, text, kind, title, lang = own[sid]
        index, starts = layout[article_id]
        units = articles[article_id][1]
        ctx = (context_of(units, starts, index[sid], unit, size) if sid in index else
               {"before": [], "after": [], "window": {"unit": unit, "size": size},
                "kinds": {"before": [], "after": []},
                "breaks": {"before": [], "after": [], "sentence": True}})
        adir = lang_dir(lang)
        ctx["dirs"] = {side: [text_dir(t, adir) for t in ctx[side]] for side in ("before", "after")}
        out.append({
            "id": sid, "article_id": article_id, "article_title": title, "position": pos,
            "text": text, "kind": kind, "context": ctx,
            "hints": hints(text, lang) if hints is not None else [],
            **directions(lang, title, text)})
    return out


def view(session: Session, sentence_id: int, hints=None,
         context_window: tuple[str, int] = ("sentences", CONTEXT)) -> dict | None:
    found = views(session, [sentence_id], hints, context_window)
    return found[0] if found else None


def context(session: Session, sentence: Sentence) -> dict:
    """Up to CONTEXT body or heading units on each side, within the same article: the texts
    and their directions (`dirs`)."""
    return reading(session, sentence)["context"]


def reading(session: Session, sentence: Sentence) -> dict:
    """What the review pages show around a sentence: its context (`context`) and the
    `directions` of the sentence and its article."""
    shown = view(session, sentence.id)
    if not shown:
        return {"context": {"before": [], "after": [], "dirs": {"before": [], "after": []}},
                "lang": None, "article_dir": "auto", "title_dir": "auto", "dir": "auto"}
    ctx = shown["context"]
    return {"context": {"before": ctx["before"], "after": ctx["after"], "dirs": ctx["dirs"]},
            **{k: shown[k] for k in ("lang", "article_dir", "title_dir", "dir")}}


def article(session: Session, article_id: int, user: User) -> dict | None:
    """The whole article for the article view: id, title, its blocks (`blocks`; each unit with
    id, position, text, kind and dir, each block with its dir: `group_dir`), `mine`, the
    user's labels on its units (sentence id -> label id), `mine_labels` where a unit has
    several (sentence id -> label ids, a multi-label project), and its lang, dir and title_dir
    (`directions`). Two queries."""
    found = article_units(session, [article_id])
    if article_id not in found:
        return None
    text, units = found[article_id]
    title, lang = session.execute(select(Article.title, Article.lang).where(Article.id == article_id)).one()
    adir = lang_dir(lang)
    rows = session.execute(
        select(Annotation.sentence_id, Annotation.label, Annotation.labels)
        .join(Sentence, Sentence.id == Annotation.sentence_id)
        .where(Sentence.article_id == article_id, Annotation.user_id == user.id)).all()
    mine = {sid: label for sid, label, _ in rows}
    several = {str(sid): labels for sid, _, labels in rows if labels and len(labels) > 1}
    shaped = []
    for b in blocks(text, units):
        us = [{**{k: u[k] for k in ("id", "position", "text", "kind")}, "dir": text_dir(u["text"], adir)}
              for u in b["units"]]
        shaped.append({"kind": b["kind"], "dir": group_dir([u["dir"] for u in us], adir) or "auto",
                       "units": us})
    return {"article_id": article_id, "title": title, "blocks": shaped,
            "mine": {str(k): v for k, v in mine.items()}, "mine_labels": several,
            "lang": lang, "dir": adir or "auto", "title_dir": text_dir(title or "", adir)}


def mark(text: str, hints: list[dict]) -> list[tuple[str, str | None]]:
    """Split text into (piece, hint type or None) so a template can highlight without |safe."""
    out, cursor = [], 0
    for h in sorted(hints, key=lambda h: h["start"]):
        if h["start"] < cursor:
            continue
        if h["start"] > cursor:
            out.append((text[cursor:h["start"]], None))
        out.append((text[h["start"]:h["end"]], h["type"]))
        cursor = h["end"]
    if cursor < len(text):
        out.append((text[cursor:], None))
    return out


def own_annotation(session: Session, sentence_id: int, user: User) -> Annotation | None:
    return session.scalar(select(Annotation).where(
        Annotation.sentence_id == sentence_id, Annotation.user_id == user.id))


def previous(session: Session, project: Project, user: User,
             before: Annotation | None) -> int | None:
    """The sentence the user labelled before `before` (or most recently, if None)."""
    stmt = select(Annotation.sentence_id).where(
        Annotation.user_id == user.id, Annotation.project_id == project.id)
    if before is not None:
        stmt = stmt.where((Annotation.created_at < before.created_at) |
                          ((Annotation.created_at == before.created_at) & (Annotation.id < before.id)))
    return session.scalar(stmt.order_by(Annotation.created_at.desc(), Annotation.id.desc()).limit(1))


def following(session: Session, project: Project, user: User, after: Annotation) -> int | None:
    """The sentence the user labelled next after `after` (None: `after` is their latest)."""
    return session.scalar(
        select(Annotation.sentence_id).where(
            Annotation.user_id == user.id, Annotation.project_id == project.id,
            (Annotation.created_at > after.created_at) |
            ((Annotation.created_at == after.created_at) & (Annotation.id > after.id)))
        .order_by(Annotation.created_at, Annotation.id).limit(1))
