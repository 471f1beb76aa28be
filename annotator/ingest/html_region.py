"""Where the article is on a news page: furniture containers, the headline, the region.

The region is found by paragraph text, as readability does: every block of plain (not
linked) text scores for its parent and, half, for its grandparent, so the container of the
article's paragraphs wins over any teaser card, which holds one blurb.  It fails safe: a
region holding less than a third of the page's paragraph text is widened to its ancestors.
"""

from __future__ import annotations

import re

from bs4.element import NavigableString, Tag

from .html_blocks import BLOCK_TAGS, block_text

# Page chrome and embeds: never article text.
CHROME_TAGS = ("script", "style", "nav", "footer", "aside", "form", "noscript", "iframe", "button", "svg",
               "template", "object", "embed", "select", "input", "textarea", "dialog", "canvas", "audio",
               "video", "map")
# Containers of furniture, by a word of their class, id or role: reader comments, newsletter
# and paywall boxes, author bios, related-story lists, tag lines, share bars, ads, app
# promotions, and the next article of an infinite-scroll page.  Cookie notices are left to
# the segmenter, which marks them boilerplate.
_FURNITURE_RE = re.compile(
    r"(?:^|[\s_-])(?:comments?|comment-?(?:list|section|form|thread)s?|disqus|replies|respond|discussion|reactions"
    r"|newsletters?|signup|sign-up|subscribe|subscription|paywall|regwall|piano|meter-?box|premium-?(?:box|promo)"
    r"|(?:author-?)?bio|about-?(?:the-?)?author|author-?(?:box|info|card|profile)"
    r"|related|recommended|recommendations?|recirc(?:ulation)?|more-?(?:stories|news|articles|from)|most-?(?:read|popular|viewed)"
    r"|trending|read-?(?:next|more|also)|up-?next|next-?(?:article|story|post)|infinite(?:-?scroll)?"
    r"|tags?|tag-?list|article-?tags|keywords|topics-?list"
    r"|share|sharing|share-?bar|social(?:-?(?:links|share|bar|media))?"
    r"|ads?|advert|advertisement|adslot|ad-?(?:slot|unit|container|wrapper)|dfp|outbrain|taboola|sponsored|promo|app-?promo"
    r"|polls?|survey|quiz|sidebar|rail|breadcrumbs?|popup|modal|toolbar"
    # the same boxes as other languages' sites name them
    r"|comentarios|commentaires|kommentare|commenti|komentarze|reacties|yorumlar|relacionad[ao]s|correlati"
    r"|verwandte|lies-?auch|a-?lire-?aussi|leggi-?anche|czytaj-?tez|etiquetas|schlagworte|mots-?cles"
    r"|suscripcion|abonnement)(?=$|[\s_-])", re.I)
_FURNITURE_ROLES = frozenset(("complementary", "navigation", "banner", "contentinfo", "dialog", "alertdialog",
                              "search"))
# An <h1> here is a box's or a form's heading (a newsletter box, a login form, a promo card).
_NOT_HEADLINE_PARENTS = frozenset(("form", "aside", "a", "nav", "footer", "dialog", "button", "label"))
_HEADINGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))  # headings are no paragraphs
# Text blocks shorter than this do not score: captions, datelines, buttons.
_MIN_PARAGRAPH = 25
# The share of the page's paragraph text a region must hold, or it is widened (a short story
# beside a longer grid of teasers holds a third or more; a teaser card taken by mistake, less).
_MIN_SHARE = 0.3
# A furniture "box" holding this share of the page's text is taken for the page's wrapper.
_WRAPPER_SHARE = 0.5
# Paragraph text a furniture "box" must hold to be taken for the page's wrapper.
_WRAPPER_MIN = 300
# An article holding the headline with this much text is the region, whatever follows it
# (an infinite-scroll page's next article may be longer).
_TITLE_ARTICLE_MIN = (3, 400)  # paragraphs, characters


def _words_of(el: Tag) -> str:
    attrs = el.attrs or {}
    classes = attrs.get("class") or []
    classes = classes if isinstance(classes, list) else [classes]
    return " ".join([*classes, attrs.get("id") or "", attrs.get("data-component") or ""])


def is_furniture(el: Tag) -> bool:
    if el.name in ("html", "body", "main", "h1"):
        return False
    role = (el.get("role") or "").strip().lower()
    return role in _FURNITURE_ROLES or bool(_FURNITURE_RE.search(_words_of(el)))


def _inside(el: Tag, names) -> bool:
    return any(p.name in names for p in el.parents)


def _within(el: Tag, ancestor: Tag) -> bool:
    """Is ``el`` inside ``ancestor``?  By identity: bs4 compares tags by their markup, which
    costs a walk of both subtrees and takes two identical boxes for one."""
    return any(p is ancestor for p in el.parents)


def _norm(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


def _similar(a: str, b: str) -> float:
    """Share of the shorter title's words found in the other ("Headline" vs "Headline | Site")."""
    wa, wb = _norm(a), _norm(b)
    if not wa or not wb:
        return 0.0
    short, long_ = (wa, set(wb)) if len(wa) <= len(wb) else (wb, set(wa))
    return sum(w in long_ for w in short) / len(short)


def headline(soup, og_title: str | None, furniture: list[Tag]) -> Tag | None:
    """The article's <h1>: the one matching og:title, else the first outside boxes, forms,
    links and the page header; None when no <h1> qualifies."""
    boxes = {id(f) for f in furniture}
    candidates = []
    for h in soup.find_all("h1"):
        if any(id(p) in boxes for p in h.parents) or _inside(h, _NOT_HEADLINE_PARENTS) or not block_text(h):
            continue
        if not _page_header(h) and not _link_only(h):
            candidates.append(h)
    if og_title:
        scored = [(_similar(block_text(h), og_title), i, h) for i, h in enumerate(candidates)]
        best = max(scored, key=lambda s: (s[0], -s[1]), default=None)
        if best and best[0] >= 0.6:
            return best[2]
    return candidates[0] if candidates else None


def _page_header(el: Tag) -> bool:
    """Inside the page's <header> (logo, menus), not an article's own."""
    for p in el.parents:
        if p.name == "header":
            return not _inside(p, ("article", "main"))
    return False


def _link_only(el: Tag) -> bool:
    text = len(el.get_text(strip=True))
    linked = sum(len(a.get_text(strip=True)) for a in el.find_all("a"))
    return text > 0 and linked >= text


def _paragraphs(root: Tag) -> dict[int, tuple[Tag, int]]:
    """Block elements holding plain (not linked) text: id -> (element, characters)."""
    out: dict[int, tuple[Tag, int]] = {}
    for s in root.find_all(string=True):
        if type(s) is not NavigableString:
            continue
        n = len(s.strip())
        if not n:
            continue
        block = None
        for p in s.parents:
            if p.name == "a":
                break
            if p.name in BLOCK_TAGS or p is root:
                block = p
                break
        if block is not None and block.name not in _HEADINGS:
            _el, have = out.get(id(block), (block, 0))
            out[id(block)] = (block, have + n)
    return {k: v for k, v in out.items() if v[1] >= _MIN_PARAGRAPH}


def _held(paragraphs: dict[int, tuple[Tag, int]]) -> dict[int, int]:
    """id of every element -> the paragraph text inside it (one walk up from each paragraph)."""
    held: dict[int, int] = {}
    for p, n in paragraphs.values():
        for el in (p, *p.parents):
            held[id(el)] = held.get(id(el), 0) + n
    return held


def region(soup, body: Tag, title: Tag | None) -> Tag:
    """The element holding the article's text (see the module docstring)."""
    paragraphs = _paragraphs(body)
    total = sum(n for _p, n in paragraphs.values())
    if not total:
        return body
    article = next((p for p in title.parents if p.name == "article"), None) if title is not None else None
    if article is not None:
        inside = [n for p, n in paragraphs.values() if p is article or _within(p, article)]
        if len(inside) >= _TITLE_ARTICLE_MIN[0] and sum(inside) >= _TITLE_ARTICLE_MIN[1]:
            return article
    scores: dict[int, list] = {}
    for p, n in paragraphs.values():
        for weight, anc in zip((1.0, 0.5), (p.parent, p.parent.parent if p.parent else None)):
            if anc is not None and anc is not soup:
                scores.setdefault(id(anc), [anc, 0.0])[1] += n * weight
    if not scores:  # paragraphs directly in the document, with no <body> around them
        return body
    best, top = max(scores.values(), key=lambda s: s[1])
    # The article's text split between sibling containers (around ad slots): their parent.
    # Only the siblings after count: what stands between the headline and the region is
    # kept anyway (with_lead).
    if best.parent is not None and best is not body and any(
            id(sib) in scores and scores[id(sib)][1] >= 0.25 * top
            for sib in best.find_next_siblings(True)):
        best = best.parent
    # The story's own <article> (standfirst, captions) when it holds no other story.
    story = next((p for p in [best, *best.parents] if p.name == "article"), None)
    if story is not None and not story.find("article"):
        best = story
    held = _held(paragraphs)
    while best is not body and best.parent is not None and held.get(id(best), 0) < _MIN_SHARE * total:
        best = best.parent
    return best


def furniture_boxes(body: Tag) -> list[Tag]:
    """The furniture containers of the page, except a "box" holding most of the page's
    paragraph text: a wrapper whose class happens to say "share" or "comments"."""
    paragraphs = _paragraphs(body)
    total = sum(n for _p, n in paragraphs.values())
    held = _held(paragraphs)
    boxes = []
    for el in body.find_all(True):
        if is_furniture(el):
            inside = held.get(id(el), 0)
            if not (inside >= _WRAPPER_SHARE * total and inside >= _WRAPPER_MIN):
                boxes.append(el)
    return boxes


def drop_furniture(boxes: list[Tag], title: Tag | None) -> None:
    """Remove the furniture boxes, except one holding the headline."""
    for el in boxes:
        if not el.decomposed and (title is None or (el is not title and not _within(title, el))):
            el.decompose()


def with_lead(root: Tag, title: Tag | None) -> Tag:
    """The region and what stands between the headline and it (standfirst, byline, lead
    picture): their lowest common ancestor, with everything before the headline and after
    the region removed.  The region itself when the headline is inside it or after it."""
    if title is None or root is title or _within(title, root):
        return root
    chain = {id(p) for p in root.parents} | {id(root)}
    common = next((p for p in title.parents if id(p) in chain), None)
    if common is None or common is root or not _before(title, root):
        return root
    for el, sibs in ((title, "previous_siblings"), (root, "next_siblings")):
        node = el
        while node is not common:
            for sib in list(getattr(node, sibs)):
                sib.extract()
            node = node.parent
    return common


def _before(a: Tag, b: Tag) -> bool:
    """Is ``a`` before ``b`` in document order (neither inside the other)?"""
    for el in a.next_elements:
        if el is b:
            return True
    return False
