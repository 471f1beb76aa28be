"""The annotate loop: next (with look-ahead), label, unlabel, skip, back and progress
(no Flask import).

The annotate page, its JavaScript (through the API) and API clients all call these functions
and get the same data: the page renders what `next_batch` returns, its JSON twin and the API
send it as JSON. Each rule has its home elsewhere and is only called from here: who may do what
(access.allowed), which sentence comes next (assign), the label write (labelling), the sentence
view (sentences) and progress (progress).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from . import assign, assist, controls, crowd, labelling, progress, projects, sentences
from .access import Refused, require
from .hints.lexicon import lexicon_lang
from .hints.matcher import Matcher
from .models import Article, Project, Sentence
from .projects import ProjectRef
from .timestamps import iso_utc

MAX_AHEAD = 10
# Seconds a `next` may reuse the total of progress (see progress.of_user).
PROGRESS_MAX_AGE = 10.0


@dataclass(slots=True)
class SentenceRef:
    id: int
    article_id: int
    project_id: int
    position: int
    text: str
    kind: str
    lang: str | None = None  # the article's language: which lexicon its hints use


def project_for(session: Session, slug: str, user, action: str = "annotate") -> ProjectRef:
    """The project `slug` if `user` may `action` there (one query); Refused otherwise."""
    return require(user, action, projects.ref_by_slug(session, slug, user), f"No project {slug!r}.")


_S, _P, _A = Sentence.__table__, Project.__table__, Article.__table__
_SENTENCE = (select(_S.c.id, _S.c.article_id, _S.c.project_id, _S.c.position, _S.c.text, _S.c.kind,
                    _A.c.lang, *projects.ref_columns(bindparam("uid")))
             .select_from(_S.join(_P, _P.c.id == _S.c.project_id)
                          .join(_A, _A.c.id == _S.c.article_id))
             .where(_S.c.id == bindparam("sid")))


def sentence_for(session: Session, sentence_id: int, user,
                 action: str = "annotate") -> tuple[ProjectRef, SentenceRef]:
    """A sentence and its project if `user` may `action` there (one query); Refused otherwise."""
    row = session.connection().execute(_SENTENCE, {"sid": sentence_id, "uid": user.id}).first()
    missing = f"No sentence {sentence_id}."
    if row is None:
        raise Refused("not_found", missing)
    project = require(user, action, projects.make_ref(row[7:], user.id), missing)
    return project, SentenceRef(*row[:7])


def matcher(lexicon_json: str | None, lang: str | None = None) -> Matcher:
    """The compiled hint matcher for a sentence of an article in `lang` in a project whose own
    lexicon is `lexicon_json` (its JSON text; None: it has none): hints.lexicon.lexicon_for
    chooses the lexicon (the language's default, the project's own, or both)."""
    return _matcher(lexicon_json, lexicon_lang(lang))


@lru_cache(maxsize=64)
def _matcher(lexicon_json: str | None, lang: str) -> Matcher:
    return Matcher.for_article(json.loads(lexicon_json) if lexicon_json else None, lang)


@lru_cache(maxsize=4096)
def _hints(lexicon_json: str | None, lang: str | None, text: str) -> tuple:
    # `next` with look-ahead shows the sentences held for the user again and again.
    return tuple(matcher(lexicon_json, lang).hints(text))


def hints_for(project: ProjectRef):
    """(text, article language) -> the hints for that text (see matcher); None where the
    project shows no hints. The one path by which a sentence's hints are computed."""
    if not projects.settings(project)["hints"]:
        return None
    return lambda text, lang=None: [dict(h) for h in _hints(project.lexicon_json, lang, text)]


def assisted(session: Session, project: ProjectRef, user, views: list[dict],
             leased: bool = False) -> list[dict]:
    """The views as this annotator is shown them under the assistance experiment
    (assist.arms, the one rule, asked once per sentence): hints only in an assisted arm, and
    `suggestion` (the model's label, to outline on its button, never to choose) only in the
    suggestion arm; nothing in a view says which arm it is in. `leased`: the views are of
    sentences leased to the user, whose leases keep the arm first shown (assist.arms)."""
    if not views:
        return views
    drawn = assist.arms(session, projects.settings(project), project.id, user.id,
                        [v["id"] for v in views], leased=leased and assist.in_experiment(user))
    for v in views:
        arm, suggested = drawn[v["id"]]
        if arm == "none":
            v["hints"] = []
        if suggested is not None:
            v["suggestion"] = suggested
    return views


def hints_shown(session: Session, project: ProjectRef, user, sentence) -> list | None:
    """The hint terms the annotator was shown on a sentence (the page without JavaScript sends
    none): None where the project shows no hints, [] in the unassisted arm."""
    hints = hints_for(project)
    if hints is None:
        return None
    arm = assist.arm_of(session, projects.settings(project), project.id, user.id, sentence.id)
    return [] if arm == "none" else [h["term"] for h in hints(sentence.text, sentence.lang)]


def next_batch(session: Session, project: ProjectRef, user, ahead: int = 0) -> dict:
    """{"sentence": view | None, "progress": {"done", "total"}, "upcoming": [view, ...]}: the
    user's next sentence and up to `ahead` more (0..MAX_AHEAD), each leased to them, with
    the same views the page shows. One transaction: the leases, then what is shown, committed
    together (on PostgreSQL each transaction is two more round trips)."""
    ahead = max(0, min(ahead, MAX_AHEAD))
    if getattr(user, "role", None) == "participant":  # quota and deadline (crowd.py)
        picked = crowd.next_ids(session, project, user, 1 + ahead, commit=False)
    else:
        picked = assign.lease_next(session, project, user, 1 + ahead, commit=False)
    views = assisted(session, project, user, sentences.views(
        session, picked, hints_for(project), sentences.window(projects.settings(project))),
        leased=True)
    body = {"sentence": views[0] if views else None,
            "progress": progress.of_user(session, project, user, max_age=PROGRESS_MAX_AGE),
            "upcoming": views[1:]}
    if not views and getattr(user, "role", None) == "participant":
        # Why nothing is shown: quota met (finish), time up, checks failed, or (active) every
        # free sentence is held by others for now.
        body["study"] = crowd.participant_state(session, project, user)
    session.commit()
    return body


def revisit(session: Session, project: ProjectRef, user, sentence_id: int) -> dict:
    """Going back: a sentence the user labelled or holds (a lease, live or lapsed, as
    labelling.save takes it), as next_batch shows it, with their
    label ("mine"), the sentence they labelled before it ("back") and the one they labelled
    after it ("forward"; None: forward is their next sentence); Refused otherwise."""
    view = sentences.view(session, sentence_id, hints_for(project),
                          sentences.window(projects.settings(project)))
    if view is None or _project_of(session, sentence_id) != project.id:
        raise Refused("not_found", "No such sentence in this project.")
    assisted(session, project, user, [view])
    mine = sentences.own_annotation(session, sentence_id, user)
    if mine is None and not assign.has_lease(session, user, sentence_id):
        raise Refused("forbidden", "That sentence is not yours to label.")
    return {"sentence": view, "mine": annotation_json(mine) if mine else None,
            "progress": progress.of_user(session, project, user),
            "back": sentences.previous(session, project, user, mine),
            "forward": sentences.following(session, project, user, mine) if mine else None}


def article(session: Session, project: ProjectRef, user, article_id: int) -> dict:
    """The whole article for the annotate page's article view (sentences.article: blocks of
    units, the user's own labels); Refused unless it is an article of this project."""
    if session.scalar(select(Article.project_id).where(Article.id == article_id)) != project.id:
        raise Refused("not_found", f"No article {article_id} in this project.")
    return sentences.article(session, article_id, user)


def _project_of(session: Session, sentence_id: int) -> int | None:
    return session.scalar(select(_S.c.project_id).where(_S.c.id == sentence_id))


def back_from(session: Session, project: ProjectRef, user) -> int | None:
    """The sentence the user labelled last: where `back` goes from their next sentence."""
    return sentences.previous(session, project, user, None)


def _participant_may(session: Session, project: ProjectRef, sentence: SentenceRef, user,
                     changing: bool | None = None) -> None:
    """A crowd participant writes only while their session is open (crowd.closed); Refused
    otherwise. `changing` None: whether they have a label on the sentence already."""
    if getattr(user, "role", None) != "participant":
        return
    if changing is None:
        changing = sentences.own_annotation(session, sentence.id, user) is not None
    why = crowd.closed(session, project, user, sentence.id, changing)
    if why:
        session.rollback()
        raise Refused("forbidden", why)


def label(session: Session, project: ProjectRef, sentence: SentenceRef, user,
          data: dict) -> tuple[dict, bool]:
    """Store the user's label (a dict of the API's PUT body: label or labels, spans, comment,
    seconds, hints_shown, confidence, unsure, rationale) through labelling.save and commit. (answer, created): the stored label with its
    `outcome`, and the known answer of a control item where the project shows it.
    labelling.AnnotationError where the label cannot be stored."""
    _participant_may(session, project, sentence, user)
    ann, outcome = labelling.save(session, project, sentence, user, labelling.LabelInput(
        label=data.get("label"), spans=data.get("spans"), comment=data.get("comment"),
        seconds=data.get("seconds"), hints_shown=data.get("hints_shown"), labels=data.get("labels"),
        confidence=data.get("confidence"), unsure=data.get("unsure"), rationale=data.get("rationale")))
    body = annotation_json(ann)
    body["outcome"] = outcome
    feedback = control_feedback(session, project, sentence)
    if feedback:
        body["feedback"] = feedback
    return body, outcome == "created"


def unlabel(session: Session, project: ProjectRef, sentence: SentenceRef, user) -> bool:
    """Remove the user's label (history keeps it); True if there was one. The sentence stays
    theirs (leased again), to label afresh or skip."""
    _participant_may(session, project, sentence, user, changing=True)
    return labelling.remove(session, project, sentence, user, hold=True)


def skip(session: Session, project: ProjectRef, sentence: SentenceRef, user) -> bool:
    """Put the sentence at the end of the user's queue. A sentence they labelled (skipped on a
    revisit) loses that label first, kept in history: True if it had one."""
    _participant_may(session, project, sentence, user)  # changing: if it has their label
    removed = labelling.remove(session, project, sentence, user)
    labelling.skip(session, project, sentence, user)
    return removed


def own_label(session: Session, sentence: SentenceRef, user) -> dict | None:
    mine = sentences.own_annotation(session, sentence.id, user)
    return annotation_json(mine) if mine else None


def annotation_json(ann) -> dict:
    return {"sentence_id": ann.sentence_id, "label": ann.label, "spans": ann.spans or [],
            "comment": ann.comment, "seconds": ann.seconds, "labels": ann.labels,
            "confidence": ann.confidence, "unsure": bool(ann.unsure), "rationale": ann.rationale,
            "created_at": iso_utc(ann.created_at), "updated_at": iso_utc(ann.updated_at)}


def control_feedback(session: Session, project, sentence) -> dict | None:
    """The known answer of a control item, where the project shows it (training rounds)."""
    if not projects.settings(project)["control_feedback"]:
        return None
    item = controls.control_for(session, sentence.id)
    if item is None:
        return None
    return {"label": item.label, "explanation": item.explanation}
