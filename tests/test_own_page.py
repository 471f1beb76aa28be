"""The annotator's own page (issue 18 item 5): progress, time spent, control accuracy where
the project shows control answers."""
from __future__ import annotations

from sqlalchemy import select

from annotator import assign, controls, labelling, projects
from annotator.labelling import LabelInput
from annotator.models import Sentence
from helpers import login


def test_own_page_shows_progress_time_and_control_accuracy(app, client, db, project, make_user):
    anna, ben = make_user("anna"), make_user("ben")
    body = db.scalars(select(Sentence).where(Sentence.project_id == project.id, Sentence.kind == "body")
                      .order_by(Sentence.position)).all()
    controls.set_control(db, project, body[0], "attributed_claim")
    controls.set_control(db, project, body[1], "contested_framing")
    db.commit()
    given = {body[0].id: "attributed_claim", body[1].id: "neutral_fact"}
    for s in body[:3]:
        labelling.save(db, project, s, anna, LabelInput(given.get(s.id, "neutral_fact"), seconds=4.0),
                       held_only=False)
    labelling.save(db, project, body[3], ben, LabelInput("neutral_fact", seconds=100.0), held_only=False)
    login(client, "anna")
    data = client.get("/me?format=json").get_json()
    (mine,) = data["projects"]
    assert mine["slug"] == "news" and mine["labels"] == 3
    assert mine["seconds"] == 12.0 and mine["median_seconds"] == 4.0  # ben's time is not hers
    assert mine["progress"]["done"] == 3
    assert mine["control"] is None  # control answers hidden from annotators here
    projects.set_settings(project, {"control_feedback": True})
    db.commit()
    (mine,) = client.get("/me?format=json").get_json()["projects"]
    assert mine["control"]["accuracy"] == 0.5 and mine["control"]["accuracy_n"] == 2
    html = client.get("/me").get_data(as_text=True)
    assert "Your work" in html and "50% of 2" in html and "too few to judge" in html
    assert client.get("/").get_data(as_text=True).count('href="/me"') == 1


def test_own_page_needs_sign_in(client):
    assert client.get("/me").status_code in (302, 401)
