"""A news page (.html) -> one article: headline, metadata, and the text blocks of its
article region."""

from __future__ import annotations

import json
import re

from bs4 import BeautifulSoup

from .article import ArticleIn, IngestError
from .html_blocks import block_text, blocks, clean
from .strict_json import json_loads

_DROP_TAGS = ("script", "style", "nav", "footer", "header", "aside", "form", "noscript", "iframe", "button",
              "svg", "template", "object", "embed", "select", "input", "textarea", "dialog", "canvas", "audio",
              "video", "map")
# "Headline | Site" / "Headline - Site News" in <title>.
_TITLE_SUFFIX_RE = re.compile(r"\s+[|\-–—:]\s+[^|\-–—:]{2,60}$")


def _meta(soup, *names: str) -> str | None:
    for name in names:
        tag = soup.find("meta", attrs={"property": name}) or soup.find("meta", attrs={"name": name}) \
            or soup.find("meta", attrs={"itemprop": name})
        if tag and tag.get("content") and tag["content"].strip():
            return clean(tag["content"])
    return None


def _json_ld(soup) -> dict:
    """NewsArticle metadata from <script type="application/ld+json">, if any."""
    for tag in soup.find_all("script", attrs={"type": "application/ld+json"}):
        try:
            data = json_loads(tag.string or "")
        except (json.JSONDecodeError, TypeError):
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                if "@graph" in item:
                    stack.extend(item["@graph"] if isinstance(item["@graph"], list) else [item["@graph"]])
                kind = item.get("@type")
                kinds = kind if isinstance(kind, list) else [kind]
                if any(isinstance(k, str) and k.endswith("Article") for k in kinds):
                    return item
    return {}


def _ld_str(value) -> str | None:
    if isinstance(value, dict):
        value = value.get("name") or value.get("@id")
    if isinstance(value, list):
        value = value[0] if value else None
    return clean(value) if isinstance(value, str) and value.strip() else None


def _inside(el, names: tuple[str, ...]) -> bool:
    return any(p.name in names for p in el.parents)


def parse_html(filename: str, text: str) -> list[ArticleIn]:
    """One article from a news page: headline, paragraphs, sub-headings, captions."""
    soup = BeautifulSoup(text, "html.parser")
    ld = _json_ld(soup)
    site = _meta(soup, "og:site_name", "application-name") or _ld_str(ld.get("publisher"))
    url = None
    for link in soup.find_all("link", href=True):
        rel = link.get("rel") or []
        rel = rel if isinstance(rel, list) else [rel]
        if "canonical" in (r.lower() for r in rel) and link["href"].strip():
            url = link["href"].strip()
            break
    url = url or _meta(soup, "og:url") or _ld_str(ld.get("url")) or _ld_str(ld.get("mainEntityOfPage"))
    published = _meta(soup, "article:published_time", "og:published_time", "datePublished", "pubdate",
                      "publish-date", "date") or _ld_str(ld.get("datePublished"))
    topic = _meta(soup, "article:section") or _ld_str(ld.get("articleSection"))

    # Prefer the article itself over the page around it.
    articles = soup.find_all("article")
    root = max(articles, key=lambda a: sum(len(p.get_text()) for p in a.find_all("p"))) if articles else None
    root = root or soup.find("main") or soup.find(attrs={"role": "main"}) or soup.body or soup

    # Headline: an <h1> of the article, else one outside the page chrome (a site logo
    # often sits in an <h1> inside <header>), else og:title / <title>.
    h1 = root.find("h1") if root.name in ("article", "main") else None
    h1 = h1 or next((h for h in soup.find_all("h1") if not _inside(h, ("header", "nav", "footer"))), None)
    title = block_text(h1) if h1 else ""
    if not title:
        title = _meta(soup, "og:title", "twitter:title") or _ld_str(ld.get("headline")) or ""
    if not title and soup.title:
        title = clean(soup.title.get_text())
        if site:
            for sep in (" | ", " - ", " – ", " — ", ": "):
                if title.endswith(sep + site):
                    title = title[: -len(sep + site)]
        elif _TITLE_SUFFIX_RE.search(title) and len(_TITLE_SUFFIX_RE.sub("", title)) > 15:
            title = _TITLE_SUFFIX_RE.sub("", title)
    if not title:  # last resort: any <h1>, even in the page header
        h1 = soup.find("h1")
        title = block_text(h1) if h1 else ""
    if not published:
        time_tag = root.find("time", attrs={"datetime": True}) or soup.find("time", attrs={"datetime": True})
        published = time_tag["datetime"].strip() if time_tag and time_tag["datetime"].strip() else None

    if h1 is not None:
        h1.decompose()
    # A <header> inside the <article> is the article's own (standfirst, byline, date); the
    # page's header (logo, menus) is page chrome.
    drop = [t for t in _DROP_TAGS if not (t == "header" and root.name == "article")]
    for tag in root.find_all(drop):
        tag.decompose()
    for tag in root.find_all(attrs={"hidden": True}) + root.find_all(attrs={"aria-hidden": "true"}):
        if not tag.decomposed:
            tag.decompose()

    body = "\n\n".join(blocks(root))
    if not title:
        raise IngestError(filename, "no headline found (no <h1>, og:title or <title>)")
    if not body:
        raise IngestError(filename, "no article text found (only page chrome: navigation, scripts, forms)")
    return [ArticleIn(title=title, text=body, url=url, source=site, published=published, topic=topic)]
