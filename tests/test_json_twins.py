"""Every page that shows data has a JSON twin (issue 15, after Datasette): the same view answers
`Accept: application/json` or `?format=json` with the data its template shows, to the users
who may see the page, and with the page's own refusal (a JSON error body) to the others.

The pages are found by walking app.url_map, so a new page without a twin fails here."""
from __future__ import annotations

import hashlib
import re

import krippendorff
import numpy as np
import pytest
from bs4 import BeautifulSoup
from flask import url_for
from sqlalchemy import select

from annotator import account_links, job_kinds, labelling, projects, releases
from annotator.labelling import LabelInput
from annotator.models import ApiToken, Article, Sentence
from helpers import csrf_token, login

# GET pages that show no data beyond their form, and routes that are no page.
FORMS_ONLY = {"auth.login", "auth.logout", "auth.password", "admin.new_project"}
NOT_PAGES = {"admin.download": "a JSONL download",
             "admin.job_download": "a finished export job's file",
             "crowd.finish": "a crowd participant's page (no password to sign in here): its "
                             "twin is tested in test_crowd_web.py",
             "review.release_file": "a file of a release, as it was written",
             "annotate.session_state": "JSON for the annotate page's script, never HTML",
             "ops.healthz": "JSON for a load balancer, never HTML",
             "ops.metrics": "Prometheus's text format, never HTML",
             "static": "files"}

ANNOTATOR, OUTSIDER, REVIEWER, ADMIN, ANONYMOUS = "anna", "otto", "rev", "boss", None


@pytest.fixture
def world(app, db, project, make_user):
    """The sample project `news` (open to every annotator) with labels from two annotators,
    and a project `closed` for anna alone."""
    people = {name: make_user(name, role) for name, role in (
        (ANNOTATOR, "annotator"), ("ben", "annotator"), (OUTSIDER, "annotator"),
        (REVIEWER, "reviewer"), (ADMIN, "admin"))}
    projects.create_project(db, "closed", "Closed", members=[people[ANNOTATOR]])
    projects.create_project(db, "crowd", "Crowd", settings_={"crowd": True})
    db.commit()
    body = db.scalars(select(Sentence).where(Sentence.project_id == project.id,
                                             Sentence.kind == "body").order_by(Sentence.id)).all()
    given = {ANNOTATOR: ["attributed_claim", "contested_framing", "neutral_fact", "neutral_fact"],
             "ben": ["attributed_claim", "neutral_fact", "neutral_fact", "attributed_claim"]}
    for name, labels in given.items():
        for sentence, lab in zip(body, labels):
            labelling.save(db, project, sentence, people[name], LabelInput(lab), held_only=False)
    article = db.scalar(select(Article.id).where(Article.project_id == project.id))
    (invite,) = account_links.create_invites(db, "newbie@example.org", "annotator", ["closed"])
    reset = account_links.create_reset(db, people[ANNOTATOR])
    db.commit()  # no read transaction (and its snapshot) stays open while the pages write
    releases.create(db, project, "v1", app.config["RELEASES_DIR"])
    job = job_kinds.enqueue_export(db, project, "annotations", "jsonl", app.config["EXPORT_DIR"])
    return {"people": people, "article": article, "labels": given, "job": job.id,
            "invite": invite.token, "reset": reset.token}


def pages(app, world) -> dict:
    """Each page: its URL values, who may see it, and who may not with the answer they get."""
    slug, missing = {"slug": "news"}, {"slug": "nope"}
    admin_refused = [(ANNOTATOR, slug, 403), (REVIEWER, slug, 403), (ADMIN, missing, 404)]
    review_refused = [(ANNOTATOR, slug, 403), (ANONYMOUS, slug, 401), (REVIEWER, missing, 404)]
    return {
        "annotate.index": (ANNOTATOR, {}, [(ANONYMOUS, {}, 401)]),
        "annotate.my_work": (ANNOTATOR, {}, [(ANONYMOUS, {}, 401)]),
        "annotate.annotate": (ANNOTATOR, slug, [(OUTSIDER, {"slug": "closed"}, 403),
                                                (ANNOTATOR, missing, 404)]),
        "annotate.guidelines": (ANNOTATOR, slug, [(OUTSIDER, {"slug": "closed"}, 403),
                                                  (ANNOTATOR, missing, 404)]),
        "auth.tokens": (ANNOTATOR, {}, [(ANONYMOUS, {}, 401)]),
        "admin.index": (ADMIN, {}, [(ANNOTATOR, {}, 403), (ANONYMOUS, {}, 401)]),
        "admin.job": (ADMIN, {"job_id": world["job"]},
                      [(REVIEWER, {"job_id": world["job"]}, 403), (ADMIN, {"job_id": 10**6}, 404)]),
        "admin.project": (ADMIN, slug, admin_refused),
        "admin.edit_project": (ADMIN, slug, admin_refused),
        "admin.lexicon": (ADMIN, slug, admin_refused),
        "admin.project_guidelines": (ADMIN, slug, admin_refused),
        "admin.progress": (ADMIN, slug, admin_refused),
        "admin.article": (ADMIN, {"article_id": world["article"]},
                          [(ANNOTATOR, {"article_id": world["article"]}, 403),
                           (ADMIN, {"article_id": 10**6}, 404)]),
        "admin.users_page": (ADMIN, {}, [(ANNOTATOR, {}, 403), (REVIEWER, {}, 403)]),
        "admin.events_page": (ADMIN, {}, [(ANNOTATOR, {}, 403), (REVIEWER, {}, 403)]),
        "admin.deleted_page": (ADMIN, {}, [(ANNOTATOR, {}, 403), (REVIEWER, {}, 403)]),
        "admin.user": (ADMIN, {"user_id": world["people"][ANNOTATOR].id},
                       [(ANNOTATOR, {"user_id": world["people"][ANNOTATOR].id}, 403),
                        (ADMIN, {"user_id": 10**6}, 404)]),
        "links.invites": (ADMIN, {}, [(ANNOTATOR, {}, 403), (REVIEWER, {}, 403),
                                      (ANONYMOUS, {}, 401)]),
        # The invitee and the user of a reset link are not signed in; a wrong link is a 404.
        "links.invite": (ANONYMOUS, {"token": world["invite"]},
                         [(ANONYMOUS, {"token": world["reset"]}, 404),
                          (ANNOTATOR, {"token": "x" * 43}, 404)]),
        "links.reset": (ANONYMOUS, {"token": world["reset"]},
                        [(ANONYMOUS, {"token": world["invite"]}, 404),
                         (ANNOTATOR, {"token": "x" * 43}, 404)]),
        "crowd.entry": (ANONYMOUS, {"slug": "crowd", "platform": "prolific"},
                        [(ANONYMOUS, {"slug": "news", "platform": "prolific"}, 404),
                         (ANONYMOUS, {"slug": "crowd", "platform": "other"}, 404)]),
        "crowd.participants": (ADMIN, slug, [(ANNOTATOR, slug, 403), (REVIEWER, slug, 403),
                                             (ADMIN, missing, 404)]),
        "review.dashboard": (REVIEWER, slug, review_refused),
        "review.disagreements": (REVIEWER, slug, review_refused),
        "review.releases_page": (REVIEWER, slug, review_refused),
        "review.release_diff": (REVIEWER, {**slug, "a": "v1", "b": "v1"},
                                [(ANNOTATOR, {**slug, "a": "v1", "b": "v1"}, 403),
                                 (REVIEWER, {**slug, "a": "v1", "b": "v0"}, 400)]),
    }


def client_as(app, name):
    client = app.test_client()
    if name is not None:
        login(client, name)
    return client


def get_twin(client, url, how):
    if how == "accept":
        return client.get(url, headers={"Accept": "application/json"})
    return client.get(url + ("&" if "?" in url else "?") + "format=json")


def strings(value):
    """Every key and string in a JSON value."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)
    elif isinstance(value, str):
        yield value


def assert_plain(data, html):
    """No secret, no CSRF token, no markup in a twin."""
    for s in strings(data):
        assert "hash" not in s.lower() and "csrf" not in s.lower(), s
        assert not re.search(r"<[a-zA-Z/]", s), s
    for token in re.findall(r'name="csrf_token"[^>]*value="([^"]+)"', html):
        assert token not in str(data)


def test_every_html_page_has_a_twin(app, world):
    """Walks app.url_map: each GET route that answers HTML is a known page with a twin, a
    form, or not a page; each twin answers the users the page answers, and refuses the others
    as the page does, in JSON."""
    known = pages(app, world)
    checks = []
    # URLs are built first: a request made inside this context would share its `g` (and the
    # signed-in user) with the next.
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint in NOT_PAGES \
                    or rule.endpoint in FORMS_ONLY or rule.rule.startswith("/api/"):
                continue
            assert rule.endpoint in known, \
                f"{rule.rule} ({rule.endpoint}) is a page with no JSON twin test: add it to pages()"
            who, values, refused = known[rule.endpoint]
            checks.append((rule.endpoint, who, url_for(rule.endpoint, **values),
                           [(other, url_for(rule.endpoint, **v), status)
                            for other, v, status in refused]))
    clients = {name: client_as(app, name) for name in (ANNOTATOR, OUTSIDER, REVIEWER, ADMIN)}
    clients[ANONYMOUS] = app.test_client()
    for endpoint, who, url, refused in checks:
        page = clients[who].get(url)
        assert page.status_code == 200 and page.mimetype == "text/html", url
        for how in ("accept", "format"):
            twin = get_twin(clients[who], url, how)
            assert twin.status_code == 200, (url, how, twin.get_data(as_text=True)[:300])
            assert twin.mimetype == "application/json", (url, how)
            assert twin.headers["Cache-Control"] == "no-store"  # personal, as the page is
            assert isinstance(twin.get_json(), dict)
            assert_plain(twin.get_json(), page.get_data(as_text=True))
            for other, other_url, status in refused:
                answer = get_twin(clients[other], other_url, how)
                assert answer.status_code == status, (other_url, other, how)
                assert answer.get_json()["error"]["message"], (other_url, other)
                if other is not None:  # the page refuses them the same way
                    assert clients[other].get(other_url).status_code == status
    seen = {endpoint for endpoint, *_ in checks}
    assert seen == set(known), f"pages() names routes that are gone: {set(known) - seen}"


def test_anonymous_page_still_sends_the_browser_to_sign_in(app, world):
    resp = app.test_client().get("/admin/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def cells(html, caption):
    """The rows of the table with `caption`, as lists of cell texts."""
    soup = BeautifulSoup(html, "html.parser")
    table = next(t for t in soup.find_all("table")
                 if t.caption and t.caption.get_text().startswith(caption))
    return [[c.get_text(" ", strip=True) for c in tr.find_all(["td", "th"])]
            for tr in table.tbody.find_all("tr")]


def test_progress_twin_has_the_page_numbers(app, world):
    client = client_as(app, ADMIN)
    html = client.get("/admin/projects/news/progress").get_data(as_text=True)
    data = client.get("/admin/projects/news/progress?format=json").get_json()
    shown = {row[0]: (int(row[1]), int(row[2])) for row in cells(html, "Annotators of")}
    assert {r["annotator"]: (r["done"], r["remaining"]) for r in data["annotators"]} == shown
    assert shown[ANNOTATOR][0] == len(world["labels"][ANNOTATOR])


def test_users_twin_lists_the_page_users_without_hashes(app, world):
    client = client_as(app, ADMIN)
    html = client.get("/admin/users").get_data(as_text=True)
    data = client.get("/admin/users", headers={"Accept": "application/json"}).get_json()
    assert [(u["username"], u["role"], u["status"]) for u in data["users"]] == \
        [tuple(row[:3]) for row in cells(html, "All users")]
    assert all(set(u) == {"id", "username", "role", "active", "status", "last_active_at"}
               for u in data["users"])
    # A new user's generated password is in the answer that created it, once.
    token = csrf_token(client, "/admin/users")
    made = client.post("/admin/users?format=json", data={
        "username": "newbie", "role": "annotator", "password": "", "csrf_token": token}).get_json()
    password = made["created"]["password"]
    assert made["created"]["username"] == "newbie" and password
    again = client.get("/admin/users?format=json").get_json()
    assert again["created"] is None and password not in str(again)


def test_dashboard_twin_alpha_is_the_page_alpha_and_krippendorff(app, world):
    client = client_as(app, REVIEWER)
    html = client.get("/projects/news/review").get_data(as_text=True)
    data = client.get("/projects/news/review", headers={"Accept": "application/json"}).get_json()
    alpha = data["stats"]["krippendorff_alpha"]
    shown = BeautifulSoup(html, "html.parser").select_one(".figure-main .value").get_text()
    assert shown == f"{alpha:.3f}"
    codes = {"attributed_claim": 0, "contested_framing": 1, "neutral_fact": 2}
    matrix = np.array([[codes[x] for x in labels] for labels in world["labels"].values()], float)
    assert alpha == pytest.approx(krippendorff.alpha(reliability_data=matrix,
                                                     level_of_measurement="nominal"))
    assert data["project"]["slug"] == "news" and data["settings"]["aggregation"]


def test_tokens_twin_shows_a_new_token_once_and_never_its_hash(app, world, db):
    client = client_as(app, ANNOTATOR)
    token = csrf_token(client, "/account/tokens")
    made = client.post("/account/tokens", data={"name": "script", "csrf_token": token},
                       headers={"Accept": "application/json"}).get_json()
    secret = made["new_token"]
    row = db.scalar(select(ApiToken).where(ApiToken.name == "script"))
    assert secret and hashlib.sha256(secret.encode()).hexdigest() == row.token_hash
    listed = client.get("/account/tokens?format=json").get_json()
    assert listed["new_token"] is None and secret not in str(listed)
    assert row.token_hash not in str(listed) and row.token_hash not in str(made)
    (t,) = listed["tokens"]
    assert t["prefix"] == row.prefix and secret.startswith(t["prefix"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", t["created_at"])
    html = client.get("/account/tokens").get_data(as_text=True)
    assert t["created_at"][:16].replace("T", " ") in html


def test_index_and_article_twins_carry_what_the_pages_show(app, world):
    client = client_as(app, ANNOTATOR)
    (news,) = [p for p in client.get("/?format=json").get_json()["projects"] if p["slug"] == "news"]
    html = client.get("/").get_data(as_text=True)
    assert news["progress"]["done"] == 4
    assert f'{news["progress"]["done"]} / {news["progress"]["total"]} labelled by you' in html
    admin = client_as(app, ADMIN)
    url = f"/admin/articles/{world['article']}"
    data = admin.get(url + "?format=json").get_json()
    rows = cells(admin.get(url).get_data(as_text=True), "Units")
    assert [u["text"] for u in data["units"]] == [r[1].removesuffix(" long") for r in rows]
    assert [str(u["labels"]) for u in data["units"]] == [r[2] for r in rows]
