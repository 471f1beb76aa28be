"""Assistance as a randomised experiment (issue 19 item 5; no Flask import): **the one rule**
that says which arm an (annotator, sentence) pair is in, and the stored suggestion shown in
the `suggestion` arm.

A project's `assist` setting names its assist arm: ``off`` (no assistance for anyone),
``hints`` (the lexicon's words highlighted) or ``suggestion`` (hints, and the project model's
label pre-highlighted, never pre-selected). `assist_share` (0..1) is the share of (annotator,
sentence) pairs that get that arm; the rest get ``none``. The legacy `hints` setting, when
false, turns all assistance off.

The draw is seeded and stratified per annotator: sentence ids are cut into blocks of BLOCK
consecutive ids, and within a block each annotator's own permutation (a keyed hash of project,
annotator and sentence, `SEED`) decides which sentences get the assist arm. Blocks 0..b
together hold floor((b + 1) * share * BLOCK) assisted sentences, so the share holds exactly
(to one sentence) per annotator over every run of whole blocks, and an annotator who labels a
run of sentences sees the arms in a random order that no one can predict from the page. The
draw is a function of the pair alone: the page, the API and the label write get the same arm
without storing it before the label.

`loop.py` asks `arms` once per sentence shown and builds the view from it (hints only in an
assisted arm, the suggestion only in the `suggestion` arm); `labelling.save` asks `arm_of`
when it writes the label, so every label carries the arm its annotator was in.
"""
from __future__ import annotations

import hashlib
import math
from functools import lru_cache

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from .models import Lease, ModelPrediction, ModelVersion
from .projects import ASSIST_MODES as MODES

ARMS = ("none", "hints", "suggestion")
BLOCK = 20
SEED = b"annotator-assist-1"


def mode(cfg: dict) -> str:
    """The project's assist arm (projects.settings): off, hints or suggestion."""
    if not cfg.get("hints", True):
        return "off"
    value = cfg.get("assist", "hints")
    return value if value in MODES else "hints"


def _key(project_id: int, user_id: int, sentence_id: int) -> bytes:
    return hashlib.blake2b(f"{project_id}:{user_id}:{sentence_id}".encode(), digest_size=8,
                           key=SEED).digest()


def _take(block: int, share: float) -> int:
    """How many of block `block`'s BLOCK sentences get the assist arm: blocks 0..b hold
    floor((b + 1) * share * BLOCK) together."""
    def upto(b: int) -> int:
        return math.floor(round(b * share * BLOCK, 9))
    return upto(block + 1) - upto(block)


def drawn(project_id: int, user_id: int, sentence_id: int, share: float) -> bool:
    """Is this (annotator, sentence) pair in the assist arm? Deterministic (SEED)."""
    if share >= 1:
        return True
    if share <= 0:
        return False
    block, slot = divmod(sentence_id, BLOCK)
    take = _take(block, share)
    return take > 0 and _ranks(project_id, user_id, block)[slot] < take


@lru_cache(maxsize=8192)
def _ranks(project_id: int, user_id: int, block: int) -> tuple[int, ...]:
    """The annotator's permutation of a block: the rank of each of its BLOCK sentences
    (the look-ahead and the label write ask about the same blocks again and again)."""
    keys = [_key(project_id, user_id, block * BLOCK + j) for j in range(BLOCK)]
    order = sorted(range(BLOCK), key=lambda j: (keys[j], j))
    ranks = [0] * BLOCK
    for r, j in enumerate(order):
        ranks[j] = r
    return tuple(ranks)


def arm(cfg: dict, project_id: int, user_id: int, sentence_id: int) -> str:
    """The arm of an (annotator, sentence) pair under the project's settings: none, hints or
    suggestion (before asking whether a suggestion exists; see `arm_of`)."""
    m = mode(cfg)
    if m == "off":
        return "none"
    share = cfg.get("assist_share", 1.0)
    return m if drawn(project_id, user_id, sentence_id, float(share)) else "none"


_P, _V = ModelPrediction.__table__, ModelVersion.__table__
# the newest version whose predictions are all written (model/store.py, store_predictions)
_NEWEST = (select(_V.c.id).where(_V.c.project_id == bindparam("pid"), _V.c.predictions_ready)
           .order_by(_V.c.version.desc()).limit(1).scalar_subquery())


def suggestions(session: Session, project_id: int, sentence_ids: list[int]) -> dict[int, str]:
    """sentence id -> the newest model's stored label (model_predictions), for those that have
    one. One query; no model is loaded."""
    ids = sorted(set(sentence_ids))
    if not ids:
        return {}
    params = {f"s{i}": sid for i, sid in enumerate(ids)}
    return dict(session.connection().execute(_suggestions_statement(len(ids)),
                                             {"pid": project_id, **params}).all())


@lru_cache(maxsize=16)
def _suggestions_statement(n: int):
    """The statement for n sentences, compiled once per n (n plain parameters; an expanding
    IN list is rendered anew on every call, as in sentences._views_statement)."""
    return (select(_P.c.sentence_id, _P.c.label)
            .where(_P.c.model_version_id == _NEWEST,
                   _P.c.sentence_id.in_([bindparam(f"s{i}") for i in range(n)])))


_L = Lease.__table__
# a lease's arm, kept the first time its sentence is shown (arms, leased=True)
_SHOWN = (update(_L).where(_L.c.sentence_id == bindparam("sid"), _L.c.user_id == bindparam("uid"))
          .values(assist=bindparam("arm")))


def arms(session: Session, cfg: dict, project_id: int, user_id: int,
         sentence_ids: list[int], leased: bool = False) -> dict[int, tuple[str, str | None]]:
    """sentence id -> (arm, suggested label or None) for what one annotator is shown. A pair
    drawn for the suggestion arm whose sentence has no stored prediction yet (no model) is
    shown hints only, and is in the hints arm. `leased`: the sentences are leased to the user
    now, and each lease keeps the arm it was first shown in, which it is shown in again (a
    model trained or a setting changed since does not move a sentence the page may hold
    already between arms) and its label is recorded in (labelling.save); kept only where the
    experiment is on (a share below 1, or suggestions). Queries: one each to read and keep the
    leases' arms there, and one for the suggestions in the suggestion arm; none otherwise."""
    drawn_arms = {sid: arm(cfg, project_id, user_id, sid) for sid in sentence_ids}
    kept = {}
    # Kept only where the experiment is on (a share drawn, or suggestions): with hints for
    # everyone (the default) every sentence is in one arm, and the read and write per `next`
    # would cost the loop for nothing (bench/loop_training.py: next p95 25 -> 70+ ms while a
    # model trains on SQLite).
    leased = leased and (mode(cfg) == "suggestion"
                         or (mode(cfg) == "hints" and float(cfg.get("assist_share", 1.0)) < 1))
    if leased and sentence_ids:
        kept = dict(session.connection().execute(
            select(_L.c.sentence_id, _L.c.assist).where(
                _L.c.user_id == user_id, _L.c.sentence_id.in_(sentence_ids), _L.c.assist.is_not(None))).all())
        drawn_arms.update(kept)
    wanted = [sid for sid, a in drawn_arms.items() if a == "suggestion"]
    found = suggestions(session, project_id, wanted) if wanted else {}
    out = {}
    for sid, a in drawn_arms.items():
        if a == "suggestion" and sid not in found:
            a = "hints"
        out[sid] = (a, found.get(sid) if a == "suggestion" else None)
    # kept now: the first showing, or a suggestion whose stored prediction is gone (hints now)
    fresh = [{"sid": sid, "uid": user_id, "arm": a} for sid, (a, _) in out.items() if kept.get(sid) != a]
    if leased and fresh:
        session.connection().execute(_SHOWN, fresh)
    return out


# Who the experiment draws: people who see the model's labels nowhere else. Reviewers and
# admins review every project (access.allowed), where the predictions export and the suspected
# errors show them; their labels carry no arm and stay out of the anchoring figures.
BLIND_ROLES = ("annotator", "participant")


def in_experiment(user) -> bool:
    return getattr(user, "role", None) in BLIND_ROLES


def arm_of(session: Session, cfg: dict, project_id: int, user_id: int, sentence_id: int) -> str:
    """The arm a label is recorded in where its lease kept none (arms, leased=True): what
    `arms` shows for the pair now."""
    return arms(session, cfg, project_id, user_id, [sentence_id])[sentence_id][0]
