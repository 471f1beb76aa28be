"""Assistance as a randomised experiment (issue 19 item 5): the one arm rule (seeded,
stratified per annotator), the arm shown and the arm recorded, blind mode (no suggestion in any
payload of an annotator outside the suggestion arm), and the anchoring figures recovering an
effect planted in simulated annotators."""
from __future__ import annotations

import json
import re
from collections import Counter

import numpy as np
import pytest
from sqlalchemy import select

from annotator import assist, export, ingest, labelling, loop, projects
from annotator.articles import add_articles
from annotator.labelling import LabelInput
from annotator.models import Adjudication, Annotation, ModelPrediction, ModelVersion, Sentence
from annotator.review.stats import project_stats
from helpers import login
from test_api import conforms

LABELS = ("attributed_claim", "contested_framing", "neutral_fact")


# ------------------------------------------------------------------------------ the arm rule


def test_the_share_holds_exactly_per_annotator():
    """Over every run of whole blocks, each annotator gets floor(share x n) assisted
    sentences (to one), each their own random set."""
    cfg = {"assist": "hints", "assist_share": 0.3}
    sets = {}
    for user in (1, 2, 3, 4):
        got = [sid for sid in range(2000) if assist.arm(cfg, 7, user, sid) == "hints"]
        assert len(got) == 600
        # also exact on a prefix of whole blocks, to within one sentence
        assert abs(sum(1 for s in got if s < 10 * assist.BLOCK) - 0.3 * 10 * assist.BLOCK) <= 1
        sets[user] = set(got)
    assert len({frozenset(s) for s in sets.values()}) == 4  # not the same draw for everyone
    overlap = len(sets[1] & sets[2]) / 600
    assert 0.15 < overlap < 0.45  # independent draws share about `share` of their picks
    # deterministic: the same pair, the same arm
    assert all(assist.arm(cfg, 7, 1, s) == ("hints" if s in sets[1] else "none") for s in range(2000))
    # a different project draws anew
    assert {s for s in range(2000) if assist.arm(cfg, 8, 1, s) == "hints"} != sets[1]


@pytest.mark.parametrize("share", [0.0, 0.05, 0.5, 0.77, 1.0])
def test_shares(share):
    cfg = {"assist": "suggestion", "assist_share": share}
    n = sum(assist.arm(cfg, 1, 5, s) == "suggestion" for s in range(400))
    assert n == int(share * 400 + 1e-9)
    assert all(assist.arm(cfg, 1, 5, s) in ("none", "suggestion") for s in range(400))


def test_off_and_the_legacy_hints_switch():
    assert assist.arm({"assist": "off", "assist_share": 1.0}, 1, 1, 3) == "none"
    assert assist.arm({"hints": False, "assist": "suggestion", "assist_share": 1.0}, 1, 1, 3) == "none"
    assert assist.arm(projects.DEFAULT_SETTINGS, 1, 1, 3) == "hints"  # today's behaviour


def test_settings_are_validated():
    labels = [{"id": l} for l in LABELS]
    assert projects.validate_settings({"assist": "suggestion", "assist_share": 0.5}, labels) == {
        "assist": "suggestion", "assist_share": 0.5}
    for bad in ({"assist": "model"}, {"assist_share": 1.5}, {"assist_share": "half"}, {"assist_share": True}):
        with pytest.raises(projects.ProjectError, match="settings.assist"):
            projects.validate_settings(bad, labels)


# ------------------------------------------------------------------- shown and recorded arms


def _project(db, slug="x", n=40, overlap=2, **settings_):
    p = projects.create_project(db, slug, slug, overlap=overlap, settings_=settings_ or None)
    db.commit()
    text = "Plans\n\n" + " ".join(f"The minister said that plan {i} was approved." for i in range(n))
    add_articles(db, p, ingest.parse_file("a.txt", text.encode()), "a.txt")
    sids = db.scalars(select(Sentence.id).where(Sentence.project_id == p.id, Sentence.kind == "body")
                      .order_by(Sentence.position)).all()
    assert len(sids) == n
    return p, sids


def _store_predictions(db, p, sids, labels):
    """A model version with stored predictions, as training writes them (no model needed)."""
    mv = ModelVersion(project_id=p.id, version=1, n_labels=0, label_count=0, folds=2, macro_f1=0.5,
                      per_label_f1={}, labels=list(LABELS), seconds=0.0, pipeline=b"", predictions_ready=True)
    db.add(mv)
    db.flush()
    for sid, lab in zip(sids, labels):
        probs = {l: (0.6 if l == lab else 0.2) for l in LABELS}
        db.add(ModelPrediction(model_version_id=mv.id, project_id=p.id, sentence_id=sid,
                               label=lab, probabilities=probs, out_of_fold=False))
    db.commit()


def test_hints_arm_shown_and_recorded(db, make_user):
    p, sids = _project(db, assist="hints", assist_share=0.5)
    alice = make_user("alice")
    ref = loop.project_for(db, "x", alice)
    seen = {}
    while True:
        batch = loop.next_batch(db, ref, alice, ahead=5)
        if batch["sentence"] is None:
            break
        for v in [batch["sentence"], *batch["upcoming"]]:
            arm = assist.arm(projects.settings(p), p.id, alice.id, v["id"])
            assert bool(v["hints"]) == (arm == "hints"), v["id"]  # every sentence has "said"
            assert "suggestion" not in v and "assist" not in v
            seen[v["id"]] = arm
        s = db.get(Sentence, batch["sentence"]["id"])
        loop.label(db, ref, s, alice, {"label": "attributed_claim"})
    assert Counter(seen.values()) == {"hints": 20, "none": 20}
    recs = {r["sentence_id"]: r["assist"] for r in export.records(db, p, "annotations")}
    assert recs == seen


def test_the_client_cannot_choose_its_arm(client, db, make_user):
    p, sids = _project(db, assist="hints", assist_share=0.5)
    make_user("alice")
    token = login(client, "alice")
    h = {"X-CSRFToken": token}
    sid = client.get("/api/v1/projects/x/next").get_json()["sentence"]["id"]
    client.put(f"/api/v1/sentences/{sid}/annotation", headers=h,
               json={"label": "neutral_fact", "assist": "suggestion", "hints_shown": ["said"]})
    (ann,) = db.scalars(select(Annotation)).all()
    assert ann.assist == assist.arm(projects.settings(p), p.id, ann.user_id, sid)


def test_suggestion_arm_without_a_model_is_hints(db, make_user):
    p, sids = _project(db, n=20, assist="suggestion", assist_share=1.0)
    alice = make_user("alice")
    ref = loop.project_for(db, "x", alice)
    v = loop.next_batch(db, ref, alice)["sentence"]
    assert v["hints"] and "suggestion" not in v
    loop.label(db, ref, db.get(Sentence, v["id"]), alice, {"label": "neutral_fact"})
    assert db.scalar(select(Annotation.assist)) == "hints"


def test_the_arm_recorded_is_the_arm_shown_though_a_model_or_the_settings_change(db, make_user):
    """A sentence shown (or looked ahead to) before a model was ready is labelled in the arm it
    was shown in, hints, though the stored predictions have arrived since; one shown with hints
    stays in that arm after the share is turned down; the API's PUT writes the same way."""
    p, sids = _project(db, n=20, assist="suggestion", assist_share=1.0)
    alice = make_user("alice")
    ref = loop.project_for(db, "x", alice)
    batch = loop.next_batch(db, ref, alice, ahead=3)
    shown = [batch["sentence"], *batch["upcoming"]]
    assert all("suggestion" not in v for v in shown)
    _store_predictions(db, p, sids, ["neutral_fact"] * len(sids))  # a model is ready now
    for v in shown[:2]:
        loop.label(db, ref, db.get(Sentence, v["id"]), alice, {"label": "neutral_fact"})
    # shown again (a reload, the script's next look ahead): still as first shown, and so recorded
    again = loop.next_batch(db, ref, alice, ahead=3)
    assert again["sentence"]["id"] == shown[2]["id"] and "suggestion" not in again["sentence"]
    loop.label(db, ref, db.get(Sentence, shown[2]["id"]), alice, {"label": "neutral_fact"})
    # a sentence first shown now has the model's suggestion, and is in that arm
    after = next(v for v in again["upcoming"] if v["id"] not in {s["id"] for s in shown})
    assert after["suggestion"] == "neutral_fact"
    loop.label(db, ref, db.get(Sentence, shown[3]["id"]), alice, {"label": "neutral_fact"})
    assert loop.next_batch(db, ref, alice)["sentence"]["id"] == after["id"]
    loop.label(db, ref, db.get(Sentence, after["id"]), alice, {"label": "neutral_fact"})
    # shown with a suggestion, then the experiment is turned off: recorded as shown
    nxt = loop.next_batch(db, ref, alice)["sentence"]
    projects.set_settings(p, {**(p.settings or {}), "assist_share": 0.0})
    db.commit()
    loop.label(db, ref, db.get(Sentence, nxt["id"]), alice, {"label": "neutral_fact"})
    db.rollback()
    arms_ = dict(db.execute(select(Annotation.sentence_id, Annotation.assist)).all())
    assert arms_ == {**{v["id"]: "hints" for v in shown}, after["id"]: "suggestion",
                     nxt["id"]: "suggestion"}


def test_suggestion_is_outlined_never_chosen(client, db, make_user):
    p, sids = _project(db, n=20, assist="suggestion", assist_share=1.0)
    _store_predictions(db, p, sids, ["contested_framing"] * len(sids))
    make_user("alice")
    login(client, "alice")
    html = client.get("/projects/x/annotate").get_data(as_text=True)
    buttons = re.findall(r'<button type="submit" name="label" value="(\w+)" class="([^"]+)"[^>]*'
                         r'aria-pressed="(\w+)"', html)
    assert [(v, "suggested" in c, pressed) for v, c, pressed in buttons] == [
        ("attributed_claim", False, "false"), ("contested_framing", True, "false"),
        ("neutral_fact", False, "false")]
    view = client.get("/projects/x/annotate?format=json").get_json()["sentence"]
    assert view["suggestion"] == "contested_framing"
    sid = view["id"]
    # the no-JavaScript form records the arm too
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    client.post("/projects/x/annotate", data={"csrf_token": token, "sentence_id": sid,
                                              "label": "neutral_fact"})
    (rec,) = export.records(db, p, "annotations")
    assert (rec["assist"], rec["label"]) == ("suggestion", "neutral_fact")


# ---------------------------------------------------------------------------------- blind


def _walk(obj, path=""):
    """Every (path, key, value) of a JSON payload."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield path, k, v
            yield from _walk(v, f"{path}.{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _walk(v, f"{path}[{i}]")


def test_blind_no_suggestion_leaks_to_another_arm(client, db, make_user):
    """Two annotators on the same sentences, half of each one's pairs in the suggestion arm:
    no payload of the page, its JSON twin, the API's next, a revisit, the article view or the
    own-label read carries a suggestion (or the model's label) for a sentence outside the
    annotator's own suggestion arm."""
    p, sids = _project(db, n=40, assist="suggestion", assist_share=0.5)
    predicted = {sid: LABELS[i % 3] for i, sid in enumerate(sids)}
    _store_predictions(db, p, sids, [predicted[s] for s in sids])
    cfg = projects.settings(p)
    users = {name: make_user(name) for name in ("alice", "bob")}
    mine = {name: {s for s in sids if assist.arm(cfg, p.id, u.id, s) == "suggestion"}
            for name, u in users.items()}
    assert mine["alice"] != mine["bob"] and mine["alice"] & mine["bob"]
    for name, user in users.items():
        client.get("/logout")
        token = login(client, name)
        h = {"X-CSRFToken": token}
        payloads = []
        for _ in range(len(sids)):
            html = client.get("/projects/x/annotate").get_data(as_text=True)
            page = client.get("/projects/x/annotate?format=json").get_json()
            resp = client.get("/api/v1/projects/x/next?ahead=10")
            api = conforms(resp, "/projects/{slug}/next")  # `suggestion` is documented
            if page["sentence"] is None:
                break
            payloads += [page, api]
            sid = page["sentence"]["id"]
            if "suggested" in html:
                assert sid in mine[name]
                shown = re.search(r'value="(\w+)" class="[^"]*suggested', html).group(1)
                assert shown == predicted[sid]
            else:
                assert sid not in mine[name]
            resp = client.put(f"/api/v1/sentences/{sid}/annotation", headers=h,
                              json={"label": "neutral_fact"})
            assert resp.status_code in (200, 201)
            payloads.append(resp.get_json())
            payloads.append(client.get(f"/projects/x/annotate?sentence={sid}&format=json").get_json())
            payloads.append(client.get(f"/api/v1/sentences/{sid}/annotation").get_json())
        article = db.scalar(select(Sentence.article_id).where(Sentence.id == sids[0]))
        payloads.append(client.get(f"/api/v1/projects/x/articles/{article}").get_json())
        found = 0
        for payload in payloads:
            for where, key, value in _walk(payload):
                assert "probabilit" not in key and key != "predicted"
                if key == "suggestion":
                    found += 1
                    # the view holding it is the annotator's own, in their suggestion arm
                    view = _lookup(payload, where)
                    assert view["id"] in mine[name], (name, where)
                    assert value == predicted[view["id"]]
        assert found >= len(mine[name])  # it was shown where it should be
        assert {a.assist for a in db.scalars(select(Annotation).where(Annotation.user_id == user.id))} \
            <= {"none", "suggestion"}
    for a in db.scalars(select(Annotation)):
        want = "suggestion" if a.sentence_id in mine[a.user.username] else "none"
        assert a.assist == want


def _lookup(payload, path):
    obj = payload
    for part in re.findall(r"\.(\w+)|\[(\d+)\]", path):
        obj = obj[part[0]] if part[0] else obj[int(part[1])]
    return obj


# --------------------------------------------------------------------------- the experiment


def test_simulated_anchoring_recovers_the_planted_effect(db, make_user, client):
    """Simulated annotators through the real loop: right with p0 on their own, shown a
    suggestion (right with q) they follow it with probability f. Planted: agreement with the
    model rises by f(1 - b) (b: chance agreement of an unassisted annotator with the model),
    agreement with gold changes by f(q - p0). Both are recovered, sign and size within the
    95% interval."""
    p0, q, f = 0.85, 0.55, 0.6
    n = 300
    rng = np.random.default_rng(11)
    p, sids = _project(db, n=n, overlap=3, assist="suggestion", assist_share=0.5)
    truth = {s: LABELS[int(rng.integers(3))] for s in sids}

    def other(label):
        return [l for l in LABELS if l != label][int(rng.integers(2))]
    predicted = {s: truth[s] if rng.random() < q else other(truth[s]) for s in sids}
    _store_predictions(db, p, sids, [predicted[s] for s in sids])
    reviewer = make_user("rev", "reviewer")
    for s in sids:
        db.add(Adjudication(sentence_id=s, project_id=p.id, reviewer_id=reviewer.id, label=truth[s]))
    db.commit()
    for name in ("a1", "a2", "a3"):
        user = make_user(name)
        ref = loop.project_for(db, "x", user)
        while True:
            batch = loop.next_batch(db, ref, user, ahead=10)
            views = [v for v in [batch["sentence"], *batch["upcoming"]] if v]
            if not views:
                break
            for v in views:
                sid = v["id"]
                if "suggestion" in v and rng.random() < f:
                    label = v["suggestion"]
                else:
                    label = truth[sid] if rng.random() < p0 else other(truth[sid])
                loop.label(db, ref, db.get(Sentence, sid), user,
                           {"label": label, "seconds": 3.0 if "suggestion" in v else 4.0})
    stats = project_stats(db, p)
    arms = stats["anchoring"]["arms"]
    assert arms["hints"]["n"] == 0 and arms["none"]["n"] + arms["suggestion"]["n"] == 3 * n
    assert arms["suggestion"]["n"] == 3 * n // 2  # the share, exactly
    (diff,) = stats["anchoring"]["differences"]
    assert diff["arm"] == "suggestion"
    b = p0 * q + (1 - p0) * (1 - q) / 2
    planted = {"agreement_with_model": f * (1 - b), "agreement_with_gold": f * (q - p0),
               "mean_seconds": -1.0}
    for key, effect in planted.items():
        lo, hi = diff[f"{key}_ci95"]
        assert lo <= effect <= hi, (key, effect, lo, hi)
        assert np.sign(diff[key]) == np.sign(effect) and (hi < 0 or lo > 0), key
    assert diff["agreement_with_model"] == pytest.approx(
        arms["suggestion"]["agreement_with_model"] - arms["none"]["agreement_with_model"])
    # the label distribution per arm adds up
    for arm in ("none", "suggestion"):
        assert sum(arms[arm]["label_distribution"].values()) == arms[arm]["n"]
    # the same section on the dashboard's JSON twin and `annotator stats --json`
    assert json.loads(json.dumps(stats["anchoring"])) == stats["anchoring"]
    # the page's table of differences has each label's share with its interval
    from helpers import login

    login(client, "rev")
    html = client.get("/projects/x/review").get_data(as_text=True)
    lab = LABELS[0]
    lo, hi = diff["label_share_ci95"][lab]
    assert f"{diff['label_share'][lab]:+.3f} <span class=\"muted\">[{lo:+.3f}, {hi:+.3f}]" in html


def test_no_interval_from_nothing():
    from annotator.review.anchoring import anchoring

    out = anchoring([], list(LABELS), {}, {})
    assert out["differences"] == [] and all(a["n"] == 0 for a in out["arms"].values())
    legacy = anchoring([(1, "a", "neutral_fact", None, 2.0)], list(LABELS), {}, {})
    assert legacy["unassigned"] == 1 and legacy["arms"]["none"]["n"] == 0


def test_reviewers_who_annotate_are_outside_the_experiment(db, make_user):
    """A reviewer (or admin) sees the model's labels elsewhere (the predictions export, the
    suspected errors): listed as an annotator, their labels carry no arm and are left out of
    the anchoring figures, counted as unassigned."""
    p, sids = _project(db, n=20, assist="suggestion", assist_share=0.5)
    _store_predictions(db, p, sids, ["neutral_fact"] * len(sids))
    rev, ann = make_user("rev", "reviewer"), make_user("ann")
    projects.set_members(db, p, [rev, ann])
    db.commit()
    for user in (rev, ann):
        ref = loop.project_for(db, "x", user)
        for _ in range(4):
            v = loop.next_batch(db, ref, user)["sentence"]
            loop.label(db, ref, db.get(Sentence, v["id"]), user, {"label": "neutral_fact"})
    db.rollback()
    arms_ = {uid: set() for uid in (rev.id, ann.id)}
    for uid, arm in db.execute(select(Annotation.user_id, Annotation.assist)).all():
        arms_[uid].add(arm)
    assert arms_[rev.id] == {None} and arms_[ann.id] <= {"none", "suggestion"} and arms_[ann.id]
    anchoring = project_stats(db, p)["anchoring"]
    assert anchoring["unassigned"] == 4
    assert sum(a["n"] for a in anchoring["arms"].values()) == 4
