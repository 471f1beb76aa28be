"""The suggestion arm in a real browser (issue 19 item 5): the model's label is outlined on its
button and never pressed, follows the sentences the script draws from its prefetched queue, and
is gone on a sentence outside the annotator's suggestion arm."""
from __future__ import annotations

from sqlalchemy import insert

from annotator import assist, projects
from annotator.models import ModelPrediction, ModelVersion, User
from e2e import make_project, shown_id, wait_id_change

LABELS = ("attributed_claim", "contested_framing", "neutral_fact")


def test_suggestion_outlined_never_pressed(server, page, login):
    text = "Plans\n\n" + " ".join(f"The ministry said plan {i} was approved." for i in range(20))
    sids = make_project(server, "sugg", text, assist="suggestion", assist_share=0.5)
    predicted = {sid: LABELS[i % 3] for i, sid in enumerate(sids)}
    with server.session() as s:
        p = projects.by_slug(s, "sugg")
        mv = ModelVersion(project_id=p.id, version=1, n_labels=0, label_count=0, folds=2,
                          macro_f1=0.5, per_label_f1={}, labels=list(LABELS), seconds=0.0,
                          pipeline=b"", predictions_ready=True)
        s.add(mv)
        s.flush()
        s.execute(insert(ModelPrediction), [
            {"model_version_id": mv.id, "project_id": p.id, "sentence_id": sid, "label": lab,
             "probabilities": {l: 0.5 if l == lab else 0.25 for l in LABELS}, "out_of_fold": False}
            for sid, lab in predicted.items()])
        s.commit()
        uid = s.query(User.id).filter(User.username == "alice").scalar()
        cfg, pid = projects.settings(p), p.id
    arms = {sid: assist.arm(cfg, pid, uid, sid) for sid in sids}
    assert set(arms.values()) == {"none", "suggestion"}
    login(page, "alice", "/projects/sugg/annotate")
    seen = set()
    for n, _sid in enumerate(sids[:-1]):
        sid = shown_id(page)
        seen.add(arms[sid])
        outlined = page.locator(".label-button.suggested")
        if arms[sid] == "suggestion":
            assert outlined.count() == 1
            assert outlined.get_attribute("value") == predicted[sid]
            assert outlined.get_attribute("aria-pressed") == "false"
            assert outlined.locator(".suggestion-note").is_visible()
        else:
            assert outlined.count() == 0
        assert page.locator(".label-button[aria-pressed=true]").count() == 0
        if seen == {"none", "suggestion"} and n > 6:
            break
        page.keyboard.press("3")
        wait_id_change(page, sid)
    assert seen == {"none", "suggestion"}
