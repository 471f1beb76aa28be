"""The disagreement queue's filters, pseudonyms, look-ahead and the API's gold label (issue 17,
item 5): the same filters on the domain, the page, its JSON twin and the API."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select, update

from annotator import users
from annotator.models import Adjudication, AdjudicationHistory, Annotation, Article, Sentence, User
from annotator.review import adjudication
from annotator.review.queue_filters import FilterError, parse
from helpers import csrf_token, login
from test_review import A, C, N, labelled, team  # noqa: F401  (fixtures)


def queue_ids(db, project, **kw) -> list[int]:
    return [it["sentence_id"] for it in adjudication.disagreements(db, project, per_page=200, **kw)["items"]]


def expected(db, project, keep) -> set[int]:
    """Disputed sentences (two or more labels, two or more distinct) that `keep` accepts,
    computed straight from the rows."""
    labels: dict[int, list[tuple[str, str]]] = {}
    for sid, name, lab in db.execute(select(Annotation.sentence_id, User.username, Annotation.label)
                                     .join(User, User.id == Annotation.user_id)
                                     .where(Annotation.project_id == project.id)):
        labels.setdefault(sid, []).append((name, lab))
    out = set()
    for sid, given in labels.items():
        s = db.get(Sentence, sid)
        art = db.get(Article, s.article_id)
        if len(given) >= 2 and len({lab for _, lab in given}) >= 2 and keep(s, art, given):
            out.add(sid)
    return out


def test_each_filter_keeps_what_it_says(db, project, team, labelled):
    extra = labelled[4].article_id
    db.execute(update(Article).where(Article.id == extra).values(source="Wire"))
    db.commit()
    f = lambda **args: parse({k: [v] for k, v in args.items()}, [A, C, N])  # noqa: E731
    cases = [
        (f(pair=f"{C},{A}"), lambda s, a, g: {A, C} <= {lab for _, lab in g}),
        (f(pair=f"{N},{C}"), lambda s, a, g: {N, C} <= {lab for _, lab in g}),
        (f(annotator="ann3"), lambda s, a, g: "ann3" in {n for n, _ in g}),
        (f(article=str(extra)), lambda s, a, g: a.id == extra),
        (f(outlet="Wire"), lambda s, a, g: a.source == "Wire"),
        (f(q="7 BOATS"), lambda s, a, g: "7 boats" in s.text.lower()),
        (f(q="%"), lambda s, a, g: "%" in s.text),  # LIKE wildcards are searched as text
    ]
    for filters, keep in cases:
        want = expected(db, project, keep)
        assert set(queue_ids(db, project, filters=filters)) == want, filters
    assert len(expected(db, project, cases[0][1])) >= 3  # the fixture exercises the filters
    # a pseudonym means the same annotator as the name
    assert queue_ids(db, project, filters=f(annotator="A3")) == queue_ids(db, project, filters=f(annotator="ann3"))
    assert queue_ids(db, project, filters=f(annotator="nobody")) == []
    # filters combine
    both = parse({"pair": [f"{A},{C}"], "article": [str(extra)]}, [A, C, N])
    assert set(queue_ids(db, project, filters=both)) == expected(
        db, project, lambda s, a, g: a.id == extra and {A, C} <= {lab for _, lab in g})


@pytest.mark.parametrize("args, field", [
    ({"pair": [f"{A},{A}"]}, "pair"), ({"pair": ["nope,x"]}, "pair"), ({"pair": [A]}, "pair"),
    ({"article": ["x"]}, "article"), ({"q": ["a", "b"]}, "q"), ({"outlet": ["\x00"]}, "outlet"),
])
def test_bad_filters_name_the_field(args, field):
    with pytest.raises(FilterError, match=f"^{field}:"):
        parse(args, [A, C, N])


def test_page_twin_and_api_apply_the_same_filters(db, client, project, team, labelled):
    token = users.create_token(db, team["rev"])[1]
    db.commit()
    login(client, "rev")
    slug = project.slug
    for query in (f"pair={A},{C}", "annotator=A4", "q=boats", f"pair={N},{C}&annotator=ann1", ""):
        twin = client.get(f"/projects/{slug}/disagreements?format=json&{query}").get_json()
        api = client.get(f"/api/v1/projects/{slug}/disagreements?{query}",
                         headers={"Authorization": f"Bearer {token}"}).get_json()
        html = client.get(f"/projects/{slug}/disagreements?{query}").get_data(as_text=True)
        ids = [it["sentence_id"] for it in twin["items"]]
        assert ids == [it["sentence_id"] for it in api["items"]], query
        assert [int(x) for x in re.findall(r'class="dis-item card" id="s-(\d+)"', html)] == ids
    for bad in ("pair=x", "article=abc", "seen=1,x"):
        for url in (f"/projects/{slug}/disagreements?{bad}", f"/api/v1/projects/{slug}/disagreements?{bad}"):
            r = client.get(url, headers={"Accept": "application/json"})
            assert r.status_code == 400 and r.get_json()["error"]["code"] == "invalid_filter", url
            assert bad.split("=")[0] in r.get_json()["error"]["message"]


def test_pseudonyms_by_default_names_on_request(db, client, project, team, labelled):
    login(client, "rev")
    url = f"/projects/{project.slug}/disagreements"
    html = client.get(url).get_data(as_text=True)
    assert "ann1" not in html and ">A1</th>" in html
    twin = client.get(url + "?format=json").get_json()
    assert twin["names_shown"] is False
    order = [u.username for u in sorted(team.values(), key=lambda u: u.id) if u.role == "annotator"]
    revealed = adjudication.disagreements(db, project, reveal=True)["items"]
    assert [it["sentence_id"] for it in revealed] == [it["sentence_id"] for it in twin["items"]]
    for it, named_it in zip(twin["items"], revealed):
        by_name = {a["annotator"]: a["label"] for a in named_it["annotations"]}
        assert {a["annotator"]: a["label"] for a in it["annotations"]} == {
            f"A{order.index(n) + 1}": lab for n, lab in by_name.items()}
    named = client.get(url + "?names=1").get_data(as_text=True)
    assert ">ann1</th>" in named


def test_seen_leaves_out_what_the_client_holds(db, project, team, labelled):
    full = queue_ids(db, project)
    assert queue_ids(db, project, seen=tuple(full[:2])) == full[2:]


def test_gold_through_the_api(db, client, project, team, labelled):
    rev_token = users.create_token(db, team["rev"])[1]
    ann_token = users.create_token(db, team["ann1"])[1]
    db.commit()
    sid = labelled[3].id
    url = f"/api/v1/sentences/{sid}/gold"
    rev = {"Authorization": f"Bearer {rev_token}"}
    r = client.put(url, json={"label": C, "note": "loaded"}, headers=rev)
    assert r.status_code == 201 and r.get_json()["outcome"] == "created"
    assert client.put(url, json={"label": C, "note": "loaded"}, headers=rev).get_json()["outcome"] == "unchanged"
    assert client.get(url, headers=rev).get_json()["label"] == C
    db.expire_all()
    adj = db.scalar(select(Adjudication).where(Adjudication.sentence_id == sid))
    assert (adj.label, adj.note, adj.reviewer_id) == (C, "loaded", team["rev"].id)
    assert sid not in queue_ids(db, project)
    # the review right is needed; bad input names the field
    assert client.put(url, json={"label": C}, headers={"Authorization": f"Bearer {ann_token}"}).status_code == 403
    for body in ({"label": "nope"}, {"label": None}, {"label": ["x"]}, {}):
        r = client.put(url, json=body, headers=rev)
        assert r.status_code == 400 and "label" in r.get_json()["error"]["message"], body
    assert client.put(url, json={"label": C, "note": 5}, headers=rev).status_code == 400
    assert client.put("/api/v1/sentences/999999/gold", json={"label": C}, headers=rev).status_code == 404
    # delete keeps history
    assert client.delete(url, headers=rev).get_json() == {"deleted": True}
    assert client.delete(url, headers=rev).get_json() == {"deleted": False}
    assert client.get(url, headers=rev).status_code == 404
    db.rollback()  # a fresh snapshot
    actions = db.scalars(select(AdjudicationHistory.action).where(AdjudicationHistory.sentence_id == sid)
                         .order_by(AdjudicationHistory.id)).all()
    assert actions == ["create", "delete"]


def test_the_browser_session_needs_csrf_for_gold(db, client, project, team, labelled):
    login(client, "rev")
    url = f"/api/v1/sentences/{labelled[1].id}/gold"
    assert client.put(url, json={"label": A}).status_code == 400
    token = csrf_token(client, f"/projects/{project.slug}/disagreements")
    assert client.put(url, json={"label": A}, headers={"X-CSRFToken": token}).status_code == 201


def test_text_from_annotators_is_escaped_on_the_page(db, client, project, team, labelled):
    hostile = "</script><img src=x onerror=alert(1)>"
    db.execute(update(Annotation).where(Annotation.sentence_id == labelled[3].id)
               .values(comment=hostile))
    db.commit()
    login(client, "rev")
    html = client.get(f"/projects/{project.slug}/disagreements").get_data(as_text=True)
    assert hostile not in html and "<img src=x" not in html
    assert "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in html  # the list, autoescaped
    data = re.search(r'<script type="application/json" id="queue-data">(.*?)</script>', html, re.S)
    assert data and "\\u003c/script\\u003e" in data.group(1)  # the page script's data, tojson
