"""Invites in the browser: an admin invites two people from a pasted list, one of them opens
the link in a browser of their own, chooses a username and password and is signed in; the
link then is invalid. An admin's reset link ends the user's other session."""
from __future__ import annotations

from sqlalchemy import select

from annotator.models import User
from e2e import PASSWORD, VIEWPORT, sign_in


def test_an_invitee_joins_through_the_link(server, page, login, browser, shot):
    login(page, "admin")
    page.goto(server.url + "/admin/invites")
    page.fill("#people", "dora@example.org\nemil")
    page.select_option("#role", "annotator")
    page.select_option("#projects", ["demo"])
    page.click("form button.primary:has-text('Create invites')")
    links = page.locator("code.token").all_inner_texts()
    assert len(links) == 2 and all("/invite/" in link for link in links)
    shot(page, "admin-invites")

    invitee = browser.new_context(viewport=VIEWPORT)
    tab = invitee.new_page()
    tab.goto(links[0])
    tab.fill("#username", "dora")
    tab.fill("#password", "doras-own-password")
    tab.fill("#confirm", "doras-own-password")
    tab.click("button.primary")
    tab.wait_for_url(server.url + "/")
    assert "Welcome, dora" in tab.content()
    with server.session() as s:
        dora = s.scalar(select(User).where(User.username == "dora"))
        assert dora.role == "annotator" and dora.email == "dora@example.org"
    tab.goto(links[0])
    assert "This link is invalid or expired." in tab.content()
    invitee.close()
    page.reload()
    assert "used" in page.locator("table:has(caption:has-text('All invites'))").inner_text()


def test_a_reset_link_signs_out_the_other_session(server, page, login, browser):
    alice = browser.new_context(viewport=VIEWPORT)
    old_tab = alice.new_page()
    sign_in(old_tab, server.url, "alice", PASSWORD)
    login(page, "admin")
    with server.session() as s:
        uid = s.scalar(select(User.id).where(User.username == "alice"))
    page.goto(f"{server.url}/admin/users/{uid}")
    page.click("button:has-text('Make a reset link')")
    link = page.locator("code.token").inner_text()
    fresh = browser.new_context(viewport=VIEWPORT)
    tab = fresh.new_page()
    tab.goto(link)
    tab.fill("#password", "alices-new-password")
    tab.fill("#confirm", "alices-new-password")
    tab.click("button.primary")
    tab.wait_for_url(server.url + "/")
    old_tab.goto(server.url + "/")
    assert "/login" in old_tab.url
    fresh.close()
    alice.close()
