"""A news page's metadata: <meta> tags (Open Graph, article:*), JSON-LD, canonical link."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from .html_blocks import clean
from .strict_json import json_loads

# "Headline | Site" / "Headline - Site News" in <title>.
_TITLE_SUFFIX_RE = re.compile(r"\s+[|\-–—:]\s+[^|\-–—:]{2,60}$")


@dataclass
class PageMeta:
    url: str | None
    source: str | None
    published: str | None
    topic: str | None
    og_title: str | None  # og:title, twitter:title or the JSON-LD headline
    page_title: str | None  # <title> without the site's name
    article_body: str | None  # JSON-LD articleBody: the text of pages that render it by script
    lang: str | None  # what the page declares: <html lang>, og:locale, content-language, inLanguage


def meta_content(soup, *names: str) -> str | None:
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


def declared_lang(soup, ld: dict) -> str | None:
    """The page's own word on its language, the first of <html lang>, og:locale,
    Content-Language (a list such as "de, en" gives its first) and JSON-LD inLanguage."""
    html = soup.find("html")
    equiv = soup.find("meta", attrs={"http-equiv": lambda v: v and v.lower() == "content-language"})
    for value in (html.get("lang") if html else None, html.get("xml:lang") if html else None,
                  meta_content(soup, "og:locale", "language", "content-language", "dc.language"),
                  equiv.get("content") if equiv else None, _ld_str(ld.get("inLanguage"))):
        if isinstance(value, str) and value.strip():
            return value.split(",")[0].strip()
    return None


def page_meta(soup) -> PageMeta:
    ld = _json_ld(soup)
    site = meta_content(soup, "og:site_name", "application-name") or _ld_str(ld.get("publisher"))
    url = None
    for link in soup.find_all("link", href=True):
        rel = link.get("rel") or []
        rel = rel if isinstance(rel, list) else [rel]
        if "canonical" in (r.lower() for r in rel) and link["href"].strip():
            url = link["href"].strip()
            break
    url = url or meta_content(soup, "og:url") or _ld_str(ld.get("url")) or _ld_str(ld.get("mainEntityOfPage"))
    published = meta_content(soup, "article:published_time", "og:published_time", "datePublished", "pubdate",
                             "publish-date", "date") or _ld_str(ld.get("datePublished"))
    topic = meta_content(soup, "article:section") or _ld_str(ld.get("articleSection"))
    og_title = meta_content(soup, "og:title", "twitter:title") or _ld_str(ld.get("headline"))
    page_title = None
    if soup.title:
        page_title = clean(soup.title.get_text())
        if site:
            for sep in (" | ", " - ", " – ", " — ", ": "):
                if page_title.endswith(sep + site):
                    page_title = page_title[: -len(sep + site)]
        elif _TITLE_SUFFIX_RE.search(page_title) and len(_TITLE_SUFFIX_RE.sub("", page_title)) > 15:
            page_title = _TITLE_SUFFIX_RE.sub("", page_title)
    body = ld.get("articleBody")
    body = body.strip() if isinstance(body, str) and body.strip() else None
    return PageMeta(url, site, published, topic, og_title, page_title or None, body,
                    declared_lang(soup, ld))
