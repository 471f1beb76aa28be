"""A news page (.html) -> one article: headline, metadata, and the text blocks of its
article region (html_region), furniture containers and page chrome left out."""

from __future__ import annotations

from bs4 import BeautifulSoup

from .article import ArticleIn, IngestError
from .html_blocks import block_text, blocks, clean
from .html_meta import page_meta
from .html_region import (
    CHROME_TAGS,
    drop_furniture,
    furniture_boxes,
    headline,
    region,
    with_lead,
)

# JSON-LD articleBody this many times longer than the region's text replaces it.
_SCRIPTED = 2


def parse_html(filename: str, text: str) -> list[ArticleIn]:
    """One article from a news page: headline, paragraphs, sub-headings, captions."""
    soup = BeautifulSoup(text, "html.parser")
    meta = page_meta(soup)
    body = soup.body or soup
    for tag in body.find_all(CHROME_TAGS):
        if not tag.decomposed:
            tag.decompose()
    for tag in body.find_all(attrs={"hidden": True}) + body.find_all(attrs={"aria-hidden": "true"}):
        if not tag.decomposed:
            tag.decompose()
    boxes = furniture_boxes(body)
    h1 = headline(soup, meta.og_title, boxes)
    drop_furniture(boxes, h1)

    title = block_text(h1) if h1 is not None else ""
    title = title or meta.og_title or meta.page_title or ""
    if not title:  # last resort: any <h1>, even in the page header
        any_h1 = soup.find("h1")
        title = block_text(any_h1) if any_h1 else ""
    root = with_lead(region(soup, body, h1), h1)
    published = meta.published
    if not published:
        time_tag = root.find("time", attrs={"datetime": True}) or soup.find("time", attrs={"datetime": True})
        published = time_tag["datetime"].strip() if time_tag and time_tag["datetime"].strip() else None
    if h1 is not None:
        h1.decompose()
    # A <header> inside an <article> or <main> is the article's own (standfirst, byline,
    # date); the page's header (logo, menus) is page chrome.
    for tag in root.find_all("header"):
        if not tag.decomposed and not any(p.name in ("article", "main") for p in tag.parents):
            tag.decompose()

    text = "\n\n".join(blocks(root))
    if meta.article_body and len(meta.article_body) > _SCRIPTED * len(text):
        # The page renders its text by script: the HTML holds a summary, JSON-LD the article.
        text = "\n\n".join(x for line in meta.article_body.split("\n") if (x := clean(line)))
    if not title:
        raise IngestError(filename, "no headline found (no <h1>, og:title or <title>)")
    if not text:
        raise IngestError(filename, "no article text found (only page chrome: navigation, scripts, forms)")
    return [ArticleIn(title=title, text=text, url=meta.url, source=meta.source, published=published,
                      topic=meta.topic, declared_lang=meta.lang)]
