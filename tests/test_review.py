"""Review: the stats command, the dashboard, the disagreement queue, adjudication, gold export."""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import func, select, update

from annotator import export, ingest, labelling
from annotator.review import adjudication
from annotator.review import figures
from annotator.review.sentence_records import iter_sentences
from annotator.labelling import LabelInput
from annotator.articles import add_articles
from annotator.models import (Adjudication, AdjudicationHistory, Annotation, ControlItem, Project,
                              Sentence)
from annotator.review.stats import annotator_accuracy, project_stats
from helpers import csrf_token, login

A, C, N = "attributed_claim", "contested_framing", "neutral_fact"


# ------------------------------------------------------------------------------------ helpers

def body(db, project) -> list[Sentence]:
    return list(db.scalars(select(Sentence).where(Sentence.project_id == project.id,
                                                  Sentence.kind == "body")
                           .order_by(Sentence.article_id, Sentence.position)))


def label(db, project, sentence, user, lab, comment=None):
    labelling.save(db, project, sentence, user, LabelInput(lab, comment=comment), held_only=False)


def add_body_sentences(db, project, n, title="Extra"):
    """An article of n plain body sentences (one paragraph each)."""
    text = "\n\n".join(f"Officials counted {i + 7} boats in the harbour on day {i + 1}."
                       for i in range(n))
    line = json.dumps({"title": title, "text": text})
    add_articles(db, project, ingest.parse_file("x.jsonl", line.encode()), "x.jsonl")
    return body(db, project)


@pytest.fixture
def team(make_user):
    return {name: make_user(name) for name in ("ann1", "ann2", "ann3", "ann4")} | {
        "rev": make_user("rev", "reviewer"), "boss": make_user("boss", "admin")}


@pytest.fixture
def labelled(db, project, team):
    """The sample's 4 body sentences plus 6 more, labelled with known disagreements.

    s0: A A          unanimous (not a disagreement)
    s1: A C          tie, share 0.5, 2 annotators
    s2: A A C        share 0.667
    s3: A C N        share 0.333 (most disputed)
    s4: A A C C      tie, share 0.5, 4 annotators (before s1)
    s5: N N N C      share 0.75
    s6: N            one label only (not pairable)
    s7..s9: N N      unanimous
    """
    sents = add_body_sentences(db, project, 6)
    assert len(sents) == 10
    u = [team["ann1"], team["ann2"], team["ann3"], team["ann4"]]
    plan = [[A, A], [A, C], [A, A, C], [A, C, N], [A, A, C, C], [N, N, N, C], [N],
            [N, N], [N, N], [N, N]]
    for s, labs in zip(sents, plan):
        for who, lab in zip(u, labs):
            label(db, project, s, who, lab, comment=f"{who.username} on {s.id}" if lab == C else None)
    return sents


def reviewer_client(client, name="rev"):
    login(client, name)
    return client


# ------------------------------------------------------------------------------ access control


def test_review_pages_are_for_reviewers_and_admins(client, project, team, labelled):
    slug = project.slug
    assert client.get(f"/projects/{slug}/review").status_code == 302  # sign in first
    login(client, "ann1")
    for path in (f"/projects/{slug}/review", f"/projects/{slug}/disagreements",
                 f"/projects/{slug}/disagreements?format=json"):
        assert client.get(path).status_code == 403, path
    token = csrf_token(client, "/")
    r = client.post(f"/projects/{slug}/disagreements/{labelled[1].id}",
                    data={"label": A, "csrf_token": token})
    assert r.status_code == 403
    client.post("/logout", data={"csrf_token": token})
    for who in ("rev", "boss"):
        login(client, who)
        assert client.get(f"/projects/{slug}/review").status_code == 200
        assert client.get(f"/projects/{slug}/disagreements").status_code == 200
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert client.get("/projects/nope/review").status_code in (302, 404)


# ---------------------------------------------------------------------------------- dashboard


def test_dashboard_shows_figures_and_charts(db, client, project, team, labelled):
    stats = project_stats(db, project)
    reviewer_client(client)
    r = client.get(f"/projects/{project.slug}/review")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert f"{stats['krippendorff_alpha']:.3f}" in html
    lo, hi = stats["krippendorff_alpha_ci95"]
    assert f"{lo:.3f}" in html and f"{hi:.3f}" in html
    assert "Not reliable" in html  # this data disagrees a lot
    assert f"{stats['gwet_ac1']:.3f}" in html and f"{stats['fleiss_kappa']:.3f}" in html
    # heat map, bars, kappa matrix, over time, outlets, and the two per-annotator interval charts
    assert html.count('role="img"') == 7
    assert html.count("<svg") == 7 and html.count("<details>") >= 6
    for name in ("ann1", "ann2", "ann3", "ann4"):
        assert name in html
    assert "Estimated accuracy" in html and "Contested framing" in html
    # The JSON twin: the same statistics as the API, plus Dawid-Skene and the time line.
    data = client.get(f"/projects/{project.slug}/review?format=json").get_json()
    assert data["stats"] == stats
    assert [a["annotator"] for a in data["dawid_skene"]["annotators"]] == ["ann1", "ann2", "ann3", "ann4"]
    for a in data["dawid_skene"]["annotators"]:
        assert a["accuracy"] is None or 0 <= a["accuracy"] <= 1
    assert data["over_time"]["points"] and data["over_time"]["points"][-1]["cumulative"] == \
        pytest.approx(stats["krippendorff_alpha"])


def test_dashboard_filters_and_bad_dates(db, client, project, team, labelled):
    reviewer_client(client)
    slug = project.slug
    aid = labelled[-1].article_id
    q = f"/projects/{slug}/review?format=json&article={aid}&annotator=ann1&annotator=ann2"
    data = client.get(q).get_json()
    assert data["stats"] == project_stats(db, project, article_ids=[aid], annotators=["ann1", "ann2"])
    assert data["stats"]["annotators"] == 2
    html = client.get(q.replace("format=json&", "")).get_data(as_text=True)
    assert "(filtered)" in html and 'selected>ann1</option>' in html
    r = client.get(f"/projects/{slug}/review?since=yesterday")
    assert r.status_code == 400 and "ISO 8601" in r.get_data(as_text=True)
    future = (datetime.utcnow() + timedelta(days=2)).strftime("%Y-%m-%d")
    data = client.get(f"/projects/{slug}/review?format=json&since={future}").get_json()
    assert data["stats"]["units"] == 0 and data["stats"]["krippendorff_alpha"] is None
    html = client.get(f"/projects/{slug}/review?since={future}").get_data(as_text=True)
    assert "Not computable" in html


def test_dashboard_with_no_labels(client, project, team):
    reviewer_client(client)
    r = client.get(f"/projects/{project.slug}/review")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "Not computable" in html and "No pairable sentence yet" in html


def test_charts_escape_text_and_are_accessible(app):
    macro = app.jinja_env.from_string('{% from "review/_charts.html" import figure %}{{ figure(f) }}')
    evil = '<img src=x onerror="alert(1)">&'
    labels = ["a", "b"]
    out = [
        figures.heatmap({"a": {"a": 3.0, "b": 1.0}, "b": {"a": 1.0, "b": 2.0}}, labels,
                        {"a": evil, "b": "B"}),
        figures.stacked_bars([(evil, {"a": 3, "b": 1})], labels, {"a": evil}),
        figures.kappa_matrix([evil, "x"], [{"a": evil, "b": "x", "n": 4, "kappa": -0.2}]),
        figures.line_chart([{"until": evil, "alpha": 0.5, "cumulative": None}],
                           [("alpha", evil), ("cumulative", "c")]),
    ]
    for fig in out:
        s = macro.render(f=fig)
        assert "<img" not in s and 'onerror="' not in s
        assert "&lt;img" in s
        assert 'role="img"' in s and "<title" in s and "<desc" in s and "<table" in s
        assert " style=" not in s and "<script" not in s


def test_heatmap_layout_shades_cells_by_value():
    """The layout is data: one shaded cell per label pair, the largest value fully opaque, the
    diagonal marked as agreement, an empty pair unshaded."""
    fig = figures.heatmap({"a": {"a": 4.0, "b": 1.0}, "b": {"a": 1.0}}, ["a", "b"])
    cells = [s for s in fig["shapes"] if s["el"] == "rect" and s["cls"] in ("cell", "cell agree")]
    assert len(cells) == 4
    by_tip = {c["tip"]: c for c in cells}
    assert by_tip["a / a: 4.0"]["opacity"] == pytest.approx(1.0)
    assert by_tip["a / a: 4.0"]["cls"] == "cell agree" and by_tip["a / b: 1.0"]["cls"] == "cell"
    assert by_tip["b / b: 0.0"]["opacity"] == 0.0
    assert 0 < by_tip["b / a: 1.0"]["opacity"] < 1
    assert fig["table"]["rows"] == [["a", "4.0", "1.0"], ["b", "1.0", "0.0"]]


# -------------------------------------------------------------------------- the disagreement queue


def test_disagreements_ordered_most_disputed_first(db, client, project, team, labelled):
    s = labelled
    data = adjudication.disagreements(db, project, page=1, per_page=20)
    order = [it["sentence_id"] for it in data["items"]]
    assert order == [s[3].id, s[4].id, s[1].id, s[2].id, s[5].id]
    assert data["total"] == 5 and data["pages"] == 1
    first = data["items"][0]
    # pseudonyms by default, in account order; names when revealed
    assert {a["annotator"]: a["label"] for a in first["annotations"]} == {"A1": A, "A2": C, "A3": N}
    named = adjudication.disagreements(db, project, per_page=1, reveal=True)["items"][0]
    assert {a["annotator"]: a["label"] for a in named["annotations"]} == {"ann1": A, "ann2": C, "ann3": N}
    assert first["annotations"][1]["comment"] == f"ann2 on {s[3].id}"
    assert first["majority"] is None and first["agreement"] == pytest.approx(1 / 3)
    assert first["context"] == {"before": [s[1].text, s[2].text], "after": [],  # end of article
                                "dirs": {"before": ["ltr", "ltr"], "after": []}}
    mid = next(it for it in data["items"] if it["sentence_id"] == s[1].id)
    assert mid["context"] == {"before": [s[0].text], "after": [s[2].text, s[3].text],
                              "dirs": {"before": ["ltr"], "after": ["ltr", "ltr"]}}
    assert first["dir"] == "ltr"
    assert first["gold"] is None and first["text"] == s[3].text
    # paging
    p2 = adjudication.disagreements(db, project, page=2, per_page=2)
    assert [it["sentence_id"] for it in p2["items"]] == order[2:4] and p2["pages"] == 3
    # the page and its JSON twin
    reviewer_client(client)
    html = client.get(f"/projects/{project.slug}/disagreements").get_data(as_text=True)
    assert html.index(f'id="s-{s[3].id}"') < html.index(f'id="s-{s[4].id}"') < html.index(f'id="s-{s[1].id}"')
    assert f"ann2 on {s[3].id}" in html and "js/adjudicate.js" in html
    assert len(re.findall(r'id="csrf_token"', html)) == 0  # csrf() macro: no duplicate ids
    j = client.get(f"/projects/{project.slug}/disagreements?format=json&per_page=2&page=2").get_json()
    assert [it["sentence_id"] for it in j["items"]] == order[2:4]


def test_control_items_are_left_out(db, project, team, labelled):
    db.add(ControlItem(sentence_id=labelled[3].id, project_id=project.id, label=N))
    db.commit()
    ids = [it["sentence_id"] for it in adjudication.disagreements(db, project)["items"]]
    assert labelled[3].id not in ids and len(ids) == 4
    final = {r["sentence_id"] for r in adjudication.final_labels(db, project, threshold=0.0)}
    assert labelled[3].id not in final


# ------------------------------------------------------------------------------- adjudication


def test_adjudication_stored_apart_with_history_and_csrf(db, client, project, team, labelled):
    slug, s1 = project.slug, labelled[1]
    before = sorted(db.execute(select(Annotation.user_id, Annotation.label)
                               .where(Annotation.sentence_id == s1.id)).all())
    reviewer_client(client)
    url = f"/projects/{slug}/disagreements/{s1.id}"
    r = client.post(url, data={"label": C, "note": "loaded term"})
    assert r.status_code == 400  # no CSRF token
    assert db.scalar(select(func.count()).select_from(Adjudication)) == 0
    token = csrf_token(client, f"/projects/{slug}/disagreements")
    r = client.post(url, data={"label": C, "note": " loaded term ", "csrf_token": token,
                               "page": "1", "next": str(labelled[2].id)})
    assert r.status_code == 302 and r.headers["Location"].endswith(
        f"/projects/{slug}/disagreements?page=1#s-{labelled[2].id}")
    db.rollback()  # a fresh snapshot: the request wrote in its own session
    adj = db.scalar(select(Adjudication).where(Adjudication.sentence_id == s1.id))
    assert (adj.label, adj.note, adj.reviewer_id) == (C, "loaded term", team["rev"].id)
    after = sorted(db.execute(select(Annotation.user_id, Annotation.label)
                              .where(Annotation.sentence_id == s1.id)).all())
    assert after == before  # annotators' labels untouched
    # resolved sentences leave the queue, unless asked for
    ids = [it["sentence_id"] for it in adjudication.disagreements(db, project)["items"]]
    assert s1.id not in ids
    resolved = adjudication.disagreements(db, project, include_resolved=True)["items"]
    item = next(it for it in resolved if it["sentence_id"] == s1.id)
    assert item["gold"]["label"] == C and item["gold"]["reviewer"] == "rev"
    html = client.get(f"/projects/{slug}/disagreements?resolved=1").get_data(as_text=True)
    assert "gold: Contested framing" in html and "loaded term" in html
    # change, same again (no history), invalid label, clear
    assert client.post(url, data={"label": A, "csrf_token": token}).status_code == 302
    assert client.post(url, data={"label": A, "csrf_token": token}).status_code == 302
    assert client.post(url, data={"label": "bogus", "csrf_token": token}).status_code == 400
    assert client.post(url, data={"action": "clear", "csrf_token": token}).status_code == 302
    db.rollback()
    assert db.scalar(select(Adjudication).where(Adjudication.sentence_id == s1.id)) is None
    hist = db.execute(select(AdjudicationHistory.action, AdjudicationHistory.label,
                             AdjudicationHistory.note)
                      .where(AdjudicationHistory.sentence_id == s1.id)
                      .order_by(AdjudicationHistory.id)).all()
    assert [tuple(h) for h in hist] == [("create", C, "loaded term"), ("update", A, None),
                                        ("delete", None, None)]
    # not for boilerplate, not across projects
    boiler = db.scalar(select(Sentence).where(Sentence.project_id == project.id,
                                              Sentence.kind == "boilerplate"))
    assert client.post(f"/projects/{slug}/disagreements/{boiler.id}",
                       data={"label": A, "csrf_token": token}).status_code == 409
    assert client.post(f"/projects/{slug}/disagreements/999999",
                       data={"label": A, "csrf_token": token}).status_code == 404


def test_sentences_export_carries_gold(db, project, team, labelled):
    adjudication.set_gold(db, project, labelled[3], team["rev"], N, "outlet's voice")
    recs = {r["sentence_id"]: r for r in iter_sentences(db, project)}
    assert recs[labelled[3].id]["gold"] == N
    assert recs[labelled[1].id]["gold"] is None
    assert len(recs[labelled[3].id]["annotations"]) == 3


# ------------------------------------------------------------------------------- gold export


def test_gold_export_majority_threshold(db, app, client, project, team, labelled, tmp_path):
    s = labelled
    adjudication.set_gold(db, project, s[3], team["rev"], N, None)

    def final(threshold, method="majority"):
        return {r["sentence_id"]: (r["label"], r["source"], round(r["confidence"], 3))
                for r in adjudication.final_labels(db, project, method=method, threshold=threshold)}

    f = final(0.7)
    assert f[s[0].id] == (A, "majority", 1.0)
    assert f[s[3].id] == (N, "gold", 1.0)         # gold wins
    assert f[s[5].id] == (N, "majority", 0.75)
    assert f[s[6].id] == (N, "majority", 1.0)      # a single label is its own majority
    assert s[1].id not in f and s[4].id not in f   # ties are left out
    assert s[2].id not in f                         # 0.667 < 0.7
    f = final(0.6)
    assert f[s[2].id] == (A, "majority", 0.667)
    assert len(final(1.0)) == 6  # unanimous ones + gold
    # record shape, reading order, offsets
    recs = list(adjudication.final_labels(db, project, threshold=0.6))
    assert [r["sentence_id"] for r in recs] == sorted(
        (r["sentence_id"] for r in recs), key=lambda i: [x.id for x in s].index(i))
    r0 = recs[0]
    assert set(r0) >= {"project", "article_id", "article_external_id", "article_title",
                       "sentence_id", "position", "start", "end", "text", "kind", "label",
                       "source", "confidence"}
    # The project's settings drive the export kind `gold` (CLI and API).
    db.execute(update(Project).where(Project.id == project.id)
               .values(settings={"gold_threshold": 0.6, "aggregation": "majority"}))
    db.commit()
    out = tmp_path / "gold.jsonl"
    r = app.test_cli_runner().invoke(args=["export", project.slug, "--kind", "gold", "-o", str(out)])
    assert r.exit_code == 0, r.output
    lines = [json.loads(l) for l in out.read_text().splitlines()]
    assert {l["sentence_id"] for l in lines} == set(final(0.6))
    reviewer_client(client)
    # buffered: the streamed response is closed at once, so its request session ends here
    resp = client.get(f"/api/v1/projects/{project.slug}/export?kind=gold", buffered=True)
    assert resp.status_code == 200
    assert [json.loads(l) for l in resp.get_data(as_text=True).splitlines()] == lines


def test_gold_export_dawid_skene(db, app, project, team, labelled):
    db.execute(update(Project).where(Project.id == project.id)
               .values(settings={"gold_threshold": 0.9, "aggregation": "dawid_skene"}))
    db.commit()
    db.expire_all()
    project = db.get(Project, project.id)
    recs = list(export.records(db, project, "gold"))
    assert recs and all(r["source"] == "dawid_skene" and r["confidence"] >= 0.9 for r in recs)
    assert all(0 <= r["confidence"] <= 1 for r in recs)
    every = list(adjudication.final_labels(db, project, "dawid_skene", threshold=0.0))
    assert len(every) == 10 and len(recs) <= 10
    with pytest.raises(ValueError):
        list(adjudication.final_labels(db, project, "mode"))


def test_dawid_skene_on_the_dashboard_recovers_simulated_accuracy(db, client, project, make_user):
    """Five simulated annotators of known accuracy on 400 sentences (bulk-inserted)."""
    sents = add_body_sentences(db, project, 400, title="Simulated")
    rng = np.random.default_rng(7)
    acc = [0.95, 0.9, 0.8, 0.7, 0.55]
    users = [make_user(f"sim{i}") for i in range(len(acc))]
    labels = [A, C, N]
    truth = rng.choice(3, size=len(sents), p=[0.3, 0.2, 0.5])
    rows = []
    for i, s in enumerate(sents):
        for u, a in zip(users, acc):
            lab = truth[i] if rng.random() < a else rng.choice([x for x in range(3) if x != truth[i]])
            rows.append(Annotation(sentence_id=s.id, user_id=u.id, project_id=project.id,
                                   label=labels[lab]))
    db.add_all(rows)
    db.commit()
    est = annotator_accuracy(db, project)
    got = {a["annotator"]: a["accuracy"] for a in est["annotators"]}
    for u, a in zip(users, acc):
        assert got[u.username] == pytest.approx(a, abs=0.07)
    lazy = make_user("lazy")  # calls everything contested: the dashboard says so
    db.add_all(Annotation(sentence_id=s.id, user_id=lazy.id, project_id=project.id, label=C)
               for s in sents[:50])
    db.commit()
    make_user("rev", "reviewer")
    reviewer_client(client)
    html = client.get(f"/projects/{project.slug}/review").get_data(as_text=True)
    assert "lazy gives “Contested framing” to 100% of their sentences" in html
    assert "sim0 gives" not in html
    data = client.get(f"/projects/{project.slug}/review?format=json").get_json()
    sim0 = [a for a in data["dawid_skene"]["annotators"] if a["annotator"] == "sim0"][0]
    assert f"{sim0['accuracy'] * 100:.1f}%" in html


# ------------------------------------------------------------------------------ stats command


def test_stats_cli_json_equals_api_equals_project_stats(db, app, client, project, team, labelled):
    runner = app.test_cli_runner()
    aid = labelled[-1].article_id
    cases = [
        ([], {}, ""),
        (["--article", str(aid)], {"article_ids": [aid]}, f"article={aid}"),
        (["--annotator", "ann1", "--annotator", "ann3"], {"annotators": ["ann1", "ann3"]},
         "annotator=ann1&annotator=ann3"),
        (["--since", "2000-01-01", "--until", "2999-01-01T00:00"],
         {"since": "2000-01-01", "until": "2999-01-01T00:00"}, "since=2000-01-01&until=2999-01-01T00:00"),
    ]
    reviewer_client(client)
    for cli_args, filters, query in cases:
        r = runner.invoke(args=["stats", project.slug, "--json", *cli_args])
        assert r.exit_code == 0, r.output
        from_cli = json.loads(r.output)
        from_api = client.get(f"/api/v1/projects/{project.slug}/stats?{query}").get_json()
        assert from_cli == from_api == project_stats(db, project, **filters), cli_args
    assert json.loads(runner.invoke(args=["stats", project.slug, "--json", "--annotator", "ann1",
                                          "--annotator", "ann3"]).output)["annotators"] == 2
    # the readable table
    r = runner.invoke(args=["stats", project.slug])
    assert r.exit_code == 0
    stats = project_stats(db, project)
    assert f"{stats['krippendorff_alpha']:.3f}" in r.output and "not reliable" in r.output
    assert "ann4" in r.output and "contested_framing" in r.output
    # errors: one line, non-zero
    r = runner.invoke(args=["stats", "nope"])
    assert r.exit_code != 0 and "no project" in r.output
    r = runner.invoke(args=["stats", project.slug, "--since", "last week"])
    assert r.exit_code != 0 and "ISO 8601" in r.output


def test_stats_cli_on_empty_project(app, project):
    r = app.test_cli_runner().invoke(args=["stats", project.slug, "--json"])
    assert r.exit_code == 0
    data = json.loads(r.output)
    assert data["units"] == 0 and data["krippendorff_alpha"] is None
    r = app.test_cli_runner().invoke(args=["stats", project.slug])
    assert r.exit_code == 0 and "not computable" in r.output
