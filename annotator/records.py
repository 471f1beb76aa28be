"""The fields every export record shares about its sentence and its article (no Flask import).

Built here once, for the `annotations`, `sentences` and `gold` kinds and the disagreement
queue, so that the kinds cannot drift apart (export/kinds.py declares them)."""
from __future__ import annotations


def sentence_fields(slug: str, article_id: int, external_id: str | None, title: str | None,
                    sentence_id: int, position: int, start: int, end: int, text: str) -> dict:
    """project, article_id, article_external_id, article_title, sentence_id, position, start,
    end, text."""
    return {"project": slug, "article_id": article_id, "article_external_id": external_id,
            "article_title": title, "sentence_id": sentence_id, "position": position,
            "start": start, "end": end, "text": text}


def article_fields(url: str | None, source: str | None, published, topic: str | None,
                   lang: str | None) -> dict:
    """article_url, article_source, article_published, article_topic, article_lang."""
    return {"article_url": url, "article_source": source, "article_published": published,
            "article_topic": topic, "article_lang": lang}
