"""The label scheme form in the browser: add a label, move it up, watch the preview of the
annotate page's buttons follow, save, and find the new label on the annotate page."""
from __future__ import annotations

from sqlalchemy import select

from annotator import projects
from annotator.models import Annotation
from e2e import shown_id, wait_id_change, wait_saved


def test_scheme_builder_adds_and_reorders_with_a_live_preview(server, page, login, shot):
    login(page, "admin")
    page.goto(server.url + "/admin/projects/demo/edit")
    preview = page.locator("#scheme-preview .label-button")
    assert preview.count() == 3
    page.click("#add-label")
    row = page.locator("tr.label-row").last
    row.locator("input.name").fill("Opinion")
    row.locator("input.key").fill("4")
    row.locator("input.description").fill("The outlet's own judgement.")
    assert preview.count() == 4 and preview.nth(3).locator(".name").inner_text() == "Opinion"
    # Up past the two blank rows and the three labels: first in the scheme and the preview
    up = row.get_by_role("button", name="Move up").element_handle()  # stays with the row
    for _ in range(5):
        up.click()
    assert preview.first.locator(".name").inner_text() == "Opinion"
    assert preview.first.locator("kbd").inner_text() == "4"
    colour = page.locator("tr.label-row").first.locator("select.colour").input_value()
    assert f"label-{colour}" in preview.first.get_attribute("class")
    shot(page, "admin-scheme-form")
    page.click("form#project-form button.primary:has-text('Save')")
    page.wait_for_url("**/admin/projects/demo")
    with server.session() as s:
        ids = [label["id"] for label in projects.by_slug(s, "demo").labels]
    assert ids == ["opinion", "attributed_claim", "contested_framing", "neutral_fact"]

    page.goto(server.url + "/projects/demo/annotate")
    first = page.locator("#label-form .label-button").first
    first.wait_for()
    assert "Opinion" in first.inner_text() and f"label-{colour}" in first.get_attribute("class")
    sid = shown_id(page)
    page.keyboard.press("4")  # its key labels the sentence
    wait_id_change(page, sid)
    wait_saved(page)
    with server.session() as s:
        assert s.scalar(select(Annotation.label).where(Annotation.sentence_id == sid)) == "opinion"


def test_the_preview_draws_the_task_shape_the_settings_ask_for(server, page, login):
    login(page, "admin")
    page.goto(server.url + "/admin/projects/demo/edit")
    shape = page.locator("#shape-preview")
    assert not shape.is_visible()  # single choice, nothing more: only the buttons
    page.select_option("[name='settings-task']", "multi")
    page.fill("[name='settings-confidence']", "5")
    page.check("[name='settings-unsure']")
    page.locator("tr.label-row").nth(1).locator("select.rationale").select_option("required")
    assert shape.is_visible()
    assert "Save the labels chosen" in shape.locator(".button").inner_text()
    assert shape.locator(".confidence kbd").all_inner_texts() == ["1", "2", "3", "4", "5"]
    assert "Unsure" in shape.locator(".unsure-flag").inner_text()
    assert "(required with \u2068Contested framing\u2069)" in shape.locator(".rationale-field").inner_text()
    page.locator("tr.label-row").nth(1).locator("select.rationale").select_option("off")
    page.fill("[name='settings-confidence']", "0")
    assert shape.locator(".rationale-field, .confidence").count() == 0
