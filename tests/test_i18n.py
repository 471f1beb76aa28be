"""The interface in several languages (issue 22 item 5): Flask-Babel with gettext catalogues
(annotator/translations), each user's choice of language over the browser's, Arabic drawn
right to left, guidelines written per language, and catalogues that cannot fall behind the
templates."""
from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import lxml.html
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from annotator import languages, projects
from annotator.models import User
from annotator.web.i18n import SCRIPTS, _script_messages
from helpers import csrf_token, login

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = ROOT / "annotator" / "translations"
TRANSLATED = ("ru", "ar")


@pytest.fixture(autouse=True, scope="module")
def _compiled():
    """The pages speak a language only once its catalogue is compiled (make translations,
    or the package's build step: setup.py); a stale .mo would test old words."""
    for lang in TRANSLATED:
        po = CATALOGUES / lang / "LC_MESSAGES" / "messages.po"
        mo = po.with_suffix(".mo")
        assert mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime, \
            f"{mo.relative_to(ROOT)} is missing or older than its .po: run `make translations`"


def _doc(resp):
    return lxml.html.fromstring(resp.get_data(as_text=True))


def _text(resp) -> str:
    return " ".join(_doc(resp).text_content().split())


# --- the pages in Russian and Arabic ---------------------------------------------------------

def test_sign_in_page_follows_accept_language_with_rtl_for_arabic(client):
    page = client.get("/login", headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"})
    html = _doc(page).xpath("/html")[0]
    assert html.get("lang") == "ru" and html.get("dir") == "ltr"
    assert _doc(page).xpath("//h1")[0].text_content() == "Войти"
    assert "Имя пользователя" in _text(page) and "Username" not in _text(page)

    page = client.get("/login", headers={"Accept-Language": "ar-EG, en;q=0.3"})
    html = _doc(page).xpath("/html")[0]
    assert html.get("lang") == "ar" and html.get("dir") == "rtl"
    assert _doc(page).xpath("//h1")[0].text_content() == "تسجيل الدخول"

    # Sent to sign in from a page: told so in the browser's language.
    resp = client.get("/me", headers={"Accept-Language": "ru"}, follow_redirects=True)
    assert "Войдите, чтобы продолжить." in _text(resp)

    # A language without a catalogue: English, left to right.
    page = client.get("/login", headers={"Accept-Language": "de-DE,fr;q=0.8"})
    html = _doc(page).xpath("/html")[0]
    assert (html.get("lang"), html.get("dir")) == ("en", "ltr")
    assert _doc(page).xpath("//h1")[0].text_content() == "Sign in"


def _set_locale(client, locale, path="/me"):
    return client.post("/me/language", data={"locale": locale, "csrf_token": csrf_token(client, path)})


def test_annotate_page_in_arabic_and_russian(client, db, project, make_user):
    make_user("anna")
    login(client, "anna")
    assert _set_locale(client, "ar").status_code == 302
    page = client.get("/projects/news/annotate")
    doc = _doc(page)
    assert doc.xpath("/html")[0].get("dir") == "rtl"
    skip = doc.xpath("//button[@id='skip']")[0].text_content()
    assert skip.split() == ["S", "تخطَّ"]
    assert "لوحة المفاتيح" in doc.xpath("//h2[@id='help-title']")[0].text_content()
    # The project's own words (its label names) are the project's, not the catalogue's.
    names = [n.xpath("string(text())") for n in doc.xpath("//button[@name='label']//span[@class='name']")]
    assert names == [l["name"] for l in project.labels]
    # ... while the note the page shows beside the model's guess is the catalogue's
    assert doc.xpath("//span[@class='suggestion-note']")[0].text_content().strip() == "(تخمين النموذج)"
    # The script's words come with the page, translated, from the same catalogue.
    blob = __import__("json").loads(doc.xpath("//script[@id='ui-strings']")[0].text)
    assert blob["All labels saved."] == "حُفظت كل الوسوم."
    assert set(blob) == set(_script_messages(client.application.static_folder))

    assert _set_locale(client, "ru", "/projects/news/annotate").status_code == 302
    me = client.get("/me")
    assert _doc(me).xpath("//h1")[0].text_content() == "Ваша работа"
    assert "Язык интерфейса сохранён." in _text(me)  # the flash, in the language just chosen
    doc = _doc(client.get("/projects/news/annotate"))
    assert doc.xpath("/html")[0].get("dir") == "ltr" and doc.xpath("/html")[0].get("lang") == "ru"
    assert doc.xpath("//button[@id='skip']")[0].text_content().split() == ["S", "Пропустить"]


def test_english_page_sends_no_script_words(client, project, make_user):
    make_user("anna")
    login(client, "anna")
    doc = _doc(client.get("/projects/news/annotate", headers={"Accept-Language": "en"}))
    assert doc.xpath("//script[@id='ui-strings']")[0].text == "{}"
    assert doc.xpath("//button[@id='skip']")[0].text_content().split() == ["S", "Skip"]


# --- the user's choice -----------------------------------------------------------------------

def test_user_choice_beats_accept_language_and_empty_gives_it_back(client, db, make_user):
    make_user("anna")
    login(client, "anna")
    arabic = {"Accept-Language": "ar"}
    assert _doc(client.get("/me", headers=arabic)).xpath("/html")[0].get("lang") == "ar"
    assert _set_locale(client, "ru").status_code == 302
    assert db.query(User).filter_by(username="anna").one().locale == "ru"
    page = client.get("/me", headers=arabic)
    assert _doc(page).xpath("/html")[0].get("lang") == "ru"
    assert _doc(page).xpath("//select[@id='locale']/option[@selected]")[0].get("value") == "ru"
    twin = client.get("/me?format=json", headers=arabic).get_json()
    assert twin["locale"] == "ru" and twin["ui_language"] == "ru"
    assert [l["tag"] for l in twin["languages"]] == ["en", "ar", "ru"]
    # Empty: the browser's language again.
    assert _set_locale(client, "").status_code == 302
    assert _doc(client.get("/me", headers=arabic)).xpath("/html")[0].get("lang") == "ar"
    # English chosen beats an Arabic browser too.
    _set_locale(client, "en")
    assert _doc(client.get("/me", headers=arabic)).xpath("/html")[0].get("lang") == "en"


def test_bad_language_choice_is_a_clear_400_and_changes_nothing(client, db, make_user):
    make_user("anna")
    login(client, "anna")
    _set_locale(client, "ru")
    token = csrf_token(client, "/me")
    resp = client.post("/me/language", json={"locale": "xx"}, headers={"X-CSRFToken": token,
                                                                      "Accept": "application/json"})
    assert resp.status_code == 400
    err = resp.get_json()["error"]
    assert err["code"] == "invalid_locale" and err["message"].startswith("locale: one of en, ar, ru")
    db.rollback()  # a fresh read, not the snapshot of an open transaction
    assert db.query(User).filter_by(username="anna").one().locale == "ru"
    resp = client.post("/me/language", json={"locale": "ar"}, headers={"X-CSRFToken": token,
                                                                      "Accept": "application/json"})
    assert resp.status_code == 200 and resp.get_json() == {"locale": "ar"}
    # Without the CSRF token nothing is written.
    assert client.post("/me/language", data={"locale": "en"}).status_code == 400
    db.rollback()  # a fresh read, not the snapshot of an open transaction
    assert db.query(User).filter_by(username="anna").one().locale == "ar"


def test_signed_out_language_post_is_refused(client):
    assert client.post("/me/language", data={"locale": "ru"}).status_code in (302, 400, 401)


# --- guidelines per language -----------------------------------------------------------------

def _guidelines_page(client, headers=None):
    page = client.get("/projects/news/guidelines", headers=headers or {})
    return _doc(page).xpath("//article[@class='guidelines']")[0]


def test_each_annotator_sees_the_guidelines_in_their_language(client, db, project, make_user):
    projects.set_guidelines(db, project, "Label the **voice** of the outlet.")
    v_before = projects.guidelines_version(db, project)
    projects.set_guidelines_translations(db, project, {
        "ru": "Размечайте **голос** издания.", "ar": "ضع وسمًا **لصوت** المنبر.",
        "de": "Markieren Sie die **Stimme** des Mediums."})
    db.commit()
    assert projects.guidelines_version(db, project) == v_before + 1
    for name, locale in (("ruth", "ru"), ("amal", "ar"), ("erin", None)):
        make_user(name)
        if locale:
            db.query(User).filter_by(username=name).update({"locale": locale})
    db.commit()

    login(client, "ruth")
    body = _guidelines_page(client, {"Accept-Language": "ar"})  # her choice wins
    assert body.get("lang") == "ru" and body.xpath(".//strong")[0].text == "голос"
    twin = client.get("/projects/news/guidelines?format=json").get_json()
    assert twin["guidelines_lang"] == "ru" and twin["guidelines"].startswith("Размечайте")

    client.post("/logout", data={"csrf_token": csrf_token(client, "/me")})
    login(client, "amal")
    body = _guidelines_page(client)
    assert body.get("lang") == "ar" and body.get("dir") == "rtl"
    assert "لصوت" in body.text_content()

    client.post("/logout", data={"csrf_token": csrf_token(client, "/me")})
    login(client, "erin")
    # No choice: the browser's languages in order, then the default text.
    body = _guidelines_page(client, {"Accept-Language": "de-AT,de;q=0.9,en;q=0.5"})
    assert body.get("lang") == "de" and "Stimme" in body.text_content()
    body = _guidelines_page(client, {"Accept-Language": "fr,en;q=0.5"})
    assert body.get("lang") is None and "voice" in body.text_content()


def test_guidelines_in_a_language_the_project_lacks_fall_back_to_the_default(client, db, project,
                                                                             make_user):
    projects.set_guidelines(db, project, "Default text.")
    projects.set_guidelines_translations(db, project, {"ru": "Русский текст."})
    db.commit()
    make_user("amal")
    db.query(User).filter_by(username="amal").update({"locale": "ar"})
    db.commit()
    login(client, "amal")
    body = _guidelines_page(client)
    assert body.text_content().strip() == "Default text." and body.get("lang") is None
    # The page around it is Arabic all the same.
    assert _doc(client.get("/projects/news/guidelines")).xpath("/html")[0].get("dir") == "rtl"


def test_pick_prefers_exact_tag_then_same_language():
    texts = {"pt-BR": "br", "ru": "ru", "en": "en"}
    assert languages.pick(texts, ["pt-PT", "ru"]) == "pt-BR"
    assert languages.pick(texts, ["ru-RU"]) == "ru"
    assert languages.pick(texts, ["xx", None, "EN"]) == "en"
    assert languages.pick(texts, ["fr"]) is None


def test_translations_are_checked_and_stored_without_empty_texts(db, project):
    with pytest.raises(projects.ProjectError, match=r"guidelines_translations: a language tag"):
        projects.set_guidelines_translations(db, project, {"not a tag": "x"})
    with pytest.raises(projects.ProjectError, match=r"guidelines_translations.ru: a Markdown text"):
        projects.set_guidelines_translations(db, project, {"ru": 3})
    projects.set_guidelines_translations(db, project, {"RU_ru": "Текст", "ar": "  "})
    assert project.guidelines_translations == {"ru-RU": "Текст"}
    version = projects.guidelines_version(db, project)
    projects.set_guidelines_translations(db, project, {"ru-RU": "Текст"})
    assert projects.guidelines_version(db, project) == version  # unchanged: no new version


def test_admin_edits_guidelines_per_language(client, db, project, make_user):
    make_user("boss", "admin")
    login(client, "boss")
    form = _doc(client.get("/admin/projects/news/guidelines"))
    version = form.xpath("//input[@name='version']")[0].get("value")
    token = csrf_token(client, "/admin/projects/news/guidelines")
    resp = client.post("/admin/projects/news/guidelines", data={
        "csrf_token": token, "version": version, "lang-1": "ru", "text-1": "Русская версия",
        "lang-2": "ar", "text-2": "النسخة العربية"})
    assert resp.status_code == 302
    twin = client.get("/admin/projects/news/guidelines?format=json").get_json()
    assert twin["translations"] == {"ar": "النسخة العربية", "ru": "Русская версия"}
    # A row without its language names the row; nothing is written.
    version = _doc(client.get("/admin/projects/news/guidelines")).xpath(
        "//input[@name='version']")[0].get("value")
    resp = client.post("/admin/projects/news/guidelines", data={
        "csrf_token": token, "version": version, "lang-1": "ru", "text-1": "",
        "lang-2": "", "text-2": "orphan text"})
    assert resp.status_code == 400 and "lang-2: the language of the text in row 2" in _text(resp)
    # Emptying a text removes that language; a stale version is refused.
    resp = client.post("/admin/projects/news/guidelines", data={
        "csrf_token": token, "version": version, "lang-1": "ru", "text-1": "", "lang-2": "ar",
        "text-2": "النسخة العربية"})
    assert resp.status_code == 302
    assert client.get("/admin/projects/news/guidelines?format=json").get_json()["translations"] \
        == {"ar": "النسخة العربية"}
    resp = client.post("/admin/projects/news/guidelines", data={
        "csrf_token": token, "version": version, "lang-1": "fr", "text-1": "Texte"})
    assert resp.status_code == 409
    # The API's PATCH takes the same field.
    api = client.get("/api/v1/projects/news")
    patched = client.patch("/api/v1/projects/news", json={"guidelines_translations": {"fr": "Texte"}},
                           headers={"If-Match": api.headers["ETag"], "X-CSRFToken": token})
    assert patched.status_code == 200, patched.get_data(as_text=True)
    assert patched.get_json()["guidelines_translations"] == {"fr": "Texte"}


# --- the catalogues --------------------------------------------------------------------------

def _catalogue(path: Path):
    with path.open("rb") as f:
        return read_po(f)


def _extracted() -> set:
    """What `make messages` would extract now (babel.cfg's methods, same keywords)."""
    from babel.messages.frontend import parse_mapping_cfg
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None,
                "N_": None, "tr": None, "trNodes": None}
    return {msg for _file, _line, msg, _comments, _ctx in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords)}


def test_the_pot_is_up_to_date_with_the_templates_and_code():
    """A string marked in a template, the web layer or a script, but not extracted into
    messages.pot (and so never translated), fails here: run `make messages`."""
    pot = {m.id for m in _catalogue(CATALOGUES / "messages.pot") if m.id}
    now = _extracted()
    assert now - pot == set(), "marked but not in messages.pot: run `make messages`"
    assert pot - now == set(), "in messages.pot but no longer marked: run `make messages`"
    # The scripts' words are in it too, so that the pages can pass them translated.
    assert set(_script_messages(str(ROOT / "static"))) <= pot
    assert {s.split("/")[-1] for s in SCRIPTS} == {"annotate.js", "article_view.js", "adjudicate.js", "setup.js"}


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_message_is_translated(lang):
    pot = {m.id for m in _catalogue(CATALOGUES / "messages.pot") if m.id}
    cat = _catalogue(CATALOGUES / lang / "LC_MESSAGES" / "messages.po")
    ids = {m.id for m in cat if m.id}
    assert ids == pot, "the catalogue is behind messages.pot: run `make messages`"
    untranslated = [m.id for m in cat if m.id and (
        m.fuzzy or not all(m.string if isinstance(m.string, tuple) else [m.string]))]
    assert untranslated == []
    plurals = [m for m in cat if isinstance(m.id, tuple)]
    assert plurals and all(len(m.string) == cat.num_plurals for m in plurals)
    # Placeholders and markup survive translation (Babel's own checks, then ours for tags).
    problems = [(m.id, errs) for m, errs in cat.check()]
    assert problems == []
    tag = re.compile(r"</?(?:kbd|strong|code|a)\b")
    for m in cat:
        if m.id and isinstance(m.id, str):
            assert sorted(tag.findall(m.id)) == sorted(tag.findall(m.string)), m.id


def test_compiled_catalogues_are_not_committed():
    try:
        listed = subprocess.run(["git", "ls-files", "annotator/translations"], cwd=ROOT,
                                capture_output=True, text=True, check=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    assert listed and not [p for p in listed if p.endswith(".mo")]
    assert {f"annotator/translations/{l}/LC_MESSAGES/messages.po" for l in TRANSLATED} <= set(listed)


def test_interface_languages_come_from_the_catalogues():
    assert languages.interface_languages() == ("en", "ar", "ru")
    assert languages.is_rtl("ar") and languages.is_rtl("he") and not languages.is_rtl("ru")
    assert languages.native_name("ru") == "Русский" and languages.native_name("ar") == "العربية"


def test_no_view_rebinds_the_gettext_name():
    """`_` is gettext in the web layer: a function that assigns to it (`x, _ = ...`) makes every
    `_("...")` in it an UnboundLocalError, a 500 found only on that path."""
    import ast

    bad = []
    for path in sorted((ROOT / "annotator" / "web").glob("*.py")):
        tree = ast.parse(path.read_text())
        if not any(isinstance(n, ast.ImportFrom) and any(a.asname == "_" for a in n.names)
                   for n in tree.body):
            continue  # `_` is no gettext there
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id == "_" and isinstance(node.ctx, ast.Store):
                bad.append(f"{path.name}:{node.lineno}")
    assert bad == []


# --- the reviewer's and the admin's pages ----------------------------------------------------

def _catalogue_of(lang):
    cat = _catalogue(CATALOGUES / lang / "LC_MESSAGES" / "messages.po")
    return {m.id: m.string for m in cat if m.id and isinstance(m.id, str)}


REVIEW_AND_ADMIN_PAGES = {
    "/projects/news/review": "Headline figures",
    "/projects/news/disagreements": "Disagreement queue",  # absent: the page links the dashboard
    "/projects/news/releases": "No release yet.",
    "/admin/": "Users",
    "/admin/projects/news": "Import articles",
    "/admin/projects/news/progress": "Progress per annotator",
    "/admin/projects/news/lexicon": "Save lexicon",
    "/admin/users": "New user",
    "/admin/invites": "Invite people",
    "/admin/events": "Event log",
    "/admin/deleted": "Deleted, not purged",
}


@pytest.mark.parametrize("lang", TRANSLATED)
def test_review_and_admin_pages_speak_the_language(client, db, project, make_user, lang):
    """Each page of the reviewer's and the admin's shows its words from the catalogue: a
    heading or button of each in the language, and none of the marked English words that
    have a translation left on the page (the label names and numbers are the project's)."""
    from annotator import assign, labelling
    from annotator.labelling import LabelInput
    a, b = make_user("a"), make_user("b")
    s = assign.next_sentence(db, project, a)
    labelling.save(db, project, s, a, LabelInput("neutral_fact"))
    assign.next_sentence(db, project, b)
    labelling.save(db, project, s, b, LabelInput("attributed_claim"))
    make_user("boss", "admin")
    login(client, "boss")
    assert _set_locale(client, lang).status_code == 302
    words = _catalogue_of(lang)
    for path, english in REVIEW_AND_ADMIN_PAGES.items():
        resp = client.get(path)
        assert resp.status_code == 200, path
        doc = _doc(resp)
        assert doc.xpath("/html")[0].get("lang") == lang
        text = _text(resp)
        if path.endswith("disagreements"):
            assert words["Dashboard"] in text and "Show names" not in text
            # the queue's script gets its words translated with the page
            blob = __import__("json").loads(doc.xpath("//script[@id='ui-strings']")[0].text)
            assert blob["Saved."] != "Saved." and blob["tie"] == words["tie"]
            continue
        assert words[english] in text, (path, english)
        assert english not in text, (path, english)
    # the scheme and lexicon forms' row labels, read aloud, and the colour names
    for path, label in (("/admin/projects/news/edit", "Label %(n)s colour"),
                        ("/admin/projects/news/lexicon", "Row %(n)s term")):
        doc = _doc(client.get(path))
        said = doc.xpath("//@aria-label")
        assert words[label] % {"n": 1} in said and label % {"n": 1} not in said, path
    assert words["Colour %(n)s"] % {"n": 2} in _doc(client.get("/admin/projects/news/edit")).xpath(
        "//select[@class='colour']/option/text()")
