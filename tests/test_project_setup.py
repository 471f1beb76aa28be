"""Setting a project up without JSON (issue 17, item 2): the scheme form's rows, templates,
changes after labels exist, every setting as a named field, the lexicon as a table. The forms
are filled in as a browser without JavaScript would: every field of the page, as drawn, posted
back with a few changed (lxml's form_values: ticked boxes only, the chosen option of a select)."""
from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import select

import lxml.html
from annotator import assign, labelling, projects, scheme_templates, users
from annotator.hints.lexicon import DEFAULT_LEXICON, validate_lexicon
from annotator.labelling import LabelInput
from annotator.models import Project
from helpers import form_values, form_version, login


def _admin(client, make_user):
    make_user("root", "admin")
    return login(client, "root")


def rows(values: dict, prefix: str = "labels") -> int:
    return len({k.split("-")[1] for k in values if k.startswith(prefix + "-")})


def post(client, path, values, **kw):
    return client.post(path, data=values, **kw)


def fresh(db, slug):
    db.rollback()
    db.expire_all()
    return db.scalar(select(Project).where(Project.slug == slug))


def label_one(db, project, make_user, label: str, name="alice"):
    u = make_user(name)
    labelling.save(db, project, assign.next_sentence(db, project, u), u, LabelInput(label))
    db.commit()


def test_new_project_from_a_template_round_trips(client, db, make_user):
    _admin(client, make_user)
    values = form_values(client, "/admin/projects/new?template=parc", "project-form")
    ids = [values[f"labels-{i}-label_id"] for i in range(3)]
    assert ids == [label["id"] for label in scheme_templates.TEMPLATES["parc"]["labels"]]
    assert values["template"] == "parc" and values["labels-3-label_id"] == ""  # a blank row
    values.update({"slug": "attr", "name": "Attribution", "settings-lease_minutes": "7",
                   "settings-aggregation": "dawid_skene"})
    values.pop("settings-hints", None)  # unticked
    resp = post(client, "/admin/projects/new", values)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    p = fresh(db, "attr")
    assert [label["id"] for label in p.labels] == ids
    cfg = projects.settings(p)
    assert cfg["lease_minutes"] == 7 and cfg["aggregation"] == "dawid_skene" and cfg["hints"] is False
    assert cfg["spans"]["no_attribution"] == "off" and cfg["spans"]["direct_quote"] == "optional"
    # The JSON twin of the page offers the same templates
    data = client.get("/admin/projects/new", headers={"Accept": "application/json"}).get_json()
    assert [t["name"] for t in data["templates"]] == list(scheme_templates.TEMPLATES)
    assert data["settings_help"]["lease_minutes"]["help"]


def test_every_setting_is_a_named_field_with_help(client, db, make_user, project):
    _admin(client, make_user)
    html = client.get("/admin/projects/news/edit").get_data(as_text=True)
    doc = lxml.html.fromstring(html)
    for key, default in projects.DEFAULT_SETTINGS.items():
        if isinstance(default, (dict, list)):
            continue
        field = doc.get_element_by_id(f"settings-{key}")
        helptext = doc.get_element_by_id(f"settings-{key}-help").text_content().strip()
        assert field.get("aria-describedby") == f"settings-{key}-help"
        assert helptext == projects.SETTINGS_HELP[key][1]


def test_a_new_label_added_in_a_blank_row_and_rows_reordered(client, db, make_user, project):
    _admin(client, make_user)
    label_one(db, project, make_user, "neutral_fact")
    values = form_values(client, "/admin/projects/news/edit", "project-form")
    assert rows(values) == 5  # three labels, two blank rows
    values.update({"labels-3-name": "Opinion", "labels-3-key": "4", "labels-3-position": "1",
                   "labels-0-position": "5"})
    resp = post(client, "/admin/projects/news/edit", values)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    p = fresh(db, "news")
    assert [label["id"] for label in p.labels] == [
        "opinion", "contested_framing", "neutral_fact", "attributed_claim"]
    assert p.labels[0]["colour"] == 4  # the default colour of the fourth row
    html = client.get("/projects/news/annotate").get_data(as_text=True)
    assert "Opinion" in html and "label-4" in html


def test_names_descriptions_and_colours_change_after_labels_exist(client, db, make_user, project):
    _admin(client, make_user)
    label_one(db, project, make_user, "neutral_fact")
    values = form_values(client, "/admin/projects/news/edit", "project-form")
    assert values["labels-2-original"] == "neutral_fact"  # drawn read-only: it is in use
    values.update({"labels-2-name": "Plain fact", "labels-2-description": "Said plainly.",
                   "labels-2-colour": "5"})
    assert post(client, "/admin/projects/news/edit", values).status_code == 302
    label = fresh(db, "news").labels[2]
    assert (label["id"], label["name"], label["description"], label["colour"]) == (
        "neutral_fact", "Plain fact", "Said plainly.", 5)


def test_a_used_label_keeps_its_id_and_stays(client, db, make_user, project):
    _admin(client, make_user)
    label_one(db, project, make_user, "neutral_fact")
    values = form_values(client, "/admin/projects/news/edit", "project-form")
    for change in ({"labels-2-label_id": "plain_fact"}, {"labels-2-remove": "y"}):
        resp = post(client, "/admin/projects/news/edit", {**values, **change},
                    follow_redirects=True)
        text = resp.get_data(as_text=True)
        assert "&#39;neutral_fact&#39; cannot be removed or get a new id" in text, change
        assert [label["id"] for label in fresh(db, "news").labels][2] == "neutral_fact"
    # An unused label may go (its span setting with it) ...
    values["labels-1-remove"] = "y"
    assert post(client, "/admin/projects/news/edit", values).status_code == 302
    p = fresh(db, "news")
    assert [label["id"] for label in p.labels] == ["attributed_claim", "neutral_fact"]
    assert set(projects.settings(p)["spans"]) == {"attributed_claim", "neutral_fact"}


def test_set_labels_rule_in_the_domain(db, make_user, project):
    label_one(db, project, make_user, "attributed_claim")
    scheme = [dict(label) for label in project.labels]
    scheme[0]["name"] = "Quoted claim"
    projects.set_labels(db, project, list(reversed(scheme)))  # renamed and reordered
    db.commit()
    assert [label["id"] for label in project.labels][-1] == "attributed_claim"
    assert project.labels[-1]["name"] == "Quoted claim"
    with pytest.raises(projects.ProjectError, match="'attributed_claim' cannot be removed"):
        projects.set_labels(db, project, [{**scheme[0], "id": "claim"}, *scheme[1:]])
    with pytest.raises(projects.ProjectError, match="'attributed_claim' cannot be removed"):
        projects.set_labels(db, project, scheme[1:] + [{"id": "other", "key": "9"}])


def test_row_errors_name_the_row_and_field(client, db, make_user, project):
    _admin(client, make_user)
    values = form_values(client, "/admin/projects/news/edit", "project-form")
    values.update({"labels-2-key": "1"})
    text = post(client, "/admin/projects/news/edit", values).get_data(as_text=True)
    assert "label 3 (neutral_fact): key &#39;1&#39; is used twice" in text
    values.update({"labels-2-key": "3", "labels-1-position": "two"})
    text = post(client, "/admin/projects/news/edit", values).get_data(as_text=True)
    assert "Label 2, position:" in text
    values.update({"labels-1-position": "2", "settings-control_rate": "2"})
    text = post(client, "/admin/projects/news/edit", values).get_data(as_text=True)
    assert "settings.control_rate: a number from 0 to 1" in text
    assert fresh(db, "news").labels[2]["key"] == "3"


def test_scheme_json_download_and_upload(client, db, make_user, project):
    _admin(client, make_user)
    resp = client.get("/admin/projects/news/edit?download=1")
    assert "attachment" in resp.headers["Content-Disposition"]
    scheme = resp.get_json()
    scheme["labels"][0]["name"] = "Claim"
    scheme["settings"]["lease_minutes"] = 3
    values = form_values(client, "/admin/projects/news/edit", "project-form")
    values["scheme_file"] = (io.BytesIO(json.dumps(scheme).encode("utf-8-sig")), "s.json")  # with a BOM
    resp = client.post("/admin/projects/news/edit", data=values,
                       content_type="multipart/form-data")
    assert resp.status_code == 302, resp.get_data(as_text=True)
    p = fresh(db, "news")
    assert p.labels[0]["name"] == "Claim" and projects.settings(p)["lease_minutes"] == 3


def test_lexicon_table_round_trip_and_edit(client, db, make_user, project):
    _admin(client, make_user)
    values = form_values(client, "/admin/projects/news/lexicon", "lexicon-form")
    n = len(DEFAULT_LEXICON["cues"]) + len(DEFAULT_LEXICON["contested_terms"])
    assert rows(values, "entries") == n + 2
    # Posted back unchanged, the table is the default lexicon, entry for entry
    values["action"] = "save"
    assert post(client, "/admin/projects/news/lexicon", values).status_code == 302
    assert fresh(db, "news").lexicon == DEFAULT_LEXICON
    # Remove the first cue, add a contested term with counterparts in a blank row
    values.update({"entries-0-remove": "y", f"entries-{n}-entry_type": "contested",
                   f"entries-{n}-term": "hardliners", f"entries-{n}-counterparts": "government, administration",
                   "version": form_version(client, "/admin/projects/news/lexicon")})
    assert post(client, "/admin/projects/news/lexicon", values).status_code == 302
    lex = fresh(db, "news").lexicon
    assert lex == validate_lexicon(lex)
    assert lex["cues"] == DEFAULT_LEXICON["cues"][1:]
    assert lex["contested_terms"][-1] == {"term": "hardliners", "counterparts": ["government", "administration"]}
    # A bad entry names its row; nothing is saved
    values.update({f"entries-{n + 1}-term": "bad", f"entries-{n + 1}-not_before": "* ...",
                   "version": form_version(client, "/admin/projects/news/lexicon")})
    text = post(client, "/admin/projects/news/lexicon", values).get_data(as_text=True)
    assert f"row {n + 2}, not_before[0]" in text
    assert fresh(db, "news").lexicon == lex
    # a duplicate names both rows: the second cue row repeats the first's term
    first = values["entries-1-term"]
    values.update({f"entries-{n + 1}-not_before": "", f"entries-{n + 1}-entry_type": "cue",
                   f"entries-{n + 1}-term": first,
                   "version": form_version(client, "/admin/projects/news/lexicon")})
    text = post(client, "/admin/projects/news/lexicon", values).get_data(as_text=True)
    assert f"row {n + 2}, term: &#39;{first}&#39; duplicates row 2" in text, text[text.find("row"):][:300]


def test_templates_from_the_cli_and_the_api(app, client, db, make_user):
    runner = app.test_cli_runner()
    r = runner.invoke(args=["create-project", "bias", "--template", "babe"])
    assert r.exit_code == 0, r.output
    assert "biased, non_biased, opinion" in r.output
    r = runner.invoke(args=["create-project", "nope", "--template", "prodigy"])
    assert r.exit_code != 0 and "prodigy" in r.output
    admin = make_user("root", "admin")
    _, token = users.create_token(db, admin, "t")
    db.commit()
    resp = client.post("/api/v1/projects", json={"slug": "quotes", "template": "parc"},
                       headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 201, resp.get_json()
    assert [label["id"] for label in resp.get_json()["labels"]] == [
        "direct_quote", "indirect_attribution", "no_attribution"]
    resp = client.post("/api/v1/projects", json={"slug": "q2", "template": "x"},
                       headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 400 and "template" in resp.get_json()["error"]["message"]
    with pytest.raises(projects.ProjectError, match="template: one of default, babe, parc"):
        projects.create_project(db, "q3", template="x")
    bias = fresh(db, "bias")
    assert projects.settings(bias)["spans"]["non_biased"] == "off"


def test_the_form_s_scheme_file_on_the_command_line(app, client, db, make_user, project, tmp_path):
    """The JSON the project form downloads starts a project (create-project --scheme) and
    edits one (edit-project --scheme) with its task shapes and span types; a refused change
    names the setting and writes nothing."""
    _admin(client, make_user)
    scheme = client.get("/admin/projects/news/edit?download=1").get_json()
    scheme["settings"].update({"task": "multi", "confidence": 5, "unsure": True})
    path = tmp_path / "scheme.json"
    path.write_text(json.dumps(scheme), encoding="utf-8-sig")  # a BOM, as Windows editors write
    runner = app.test_cli_runner()
    r = runner.invoke(args=["create-project", "shaped", "--scheme", str(path)])
    assert r.exit_code == 0, r.output
    shaped = projects.settings(fresh(db, "shaped"))
    assert (shaped["task"], shaped["confidence"], shaped["unsure"]) == ("multi", 5, True)
    edit = {"settings": {"confidence": 7, "order": "random"},
            "labels": [{**label, "name": label["name"] + " (edited)"} for label in scheme["labels"]]}
    path.write_text(json.dumps(edit), encoding="utf-8")
    r = runner.invoke(args=["edit-project", "news", "--scheme", str(path), "--overlap", "3"])
    assert r.exit_code == 0 and r.output.strip() == "news: changed overlap, labels, settings", r.output
    p = fresh(db, "news")
    assert projects.settings(p)["confidence"] == 7 and p.overlap == 3
    assert p.labels[0]["name"].endswith("(edited)")
    path.write_text(json.dumps({"settings": {"confidence": 2}}), encoding="utf-8")
    r = runner.invoke(args=["edit-project", "news", "--scheme", str(path)])
    assert r.exit_code != 0 and "settings.confidence" in r.output
    assert projects.settings(fresh(db, "news"))["confidence"] == 7
    path.write_text("[1, 2", encoding="utf-8")
    r = runner.invoke(args=["edit-project", "news", "--scheme", str(path)])
    assert r.exit_code != 0 and str(path) in r.output


def test_a_label_name_too_long_is_refused_not_cut():
    from annotator.labels import MAX_NAME, SchemeError, validate_scheme

    ok = validate_scheme([{"id": "a", "name": "x" * MAX_NAME}, {"id": "b", "name": "B"}])
    assert ok[0]["name"] == "x" * MAX_NAME
    with pytest.raises(SchemeError, match=f"label 1 \\(a\\): name at most {MAX_NAME} characters"):
        validate_scheme([{"id": "a", "name": "x" * (MAX_NAME + 1)}, {"id": "b", "name": "B"}])
