"""Markdown for guidelines, rendered safely: raw HTML in the source is escaped, never passed on."""
from __future__ import annotations

from functools import lru_cache

from markdown_it import MarkdownIt


@lru_cache(maxsize=1)
def _md() -> MarkdownIt:
    # "js-default" escapes raw HTML and refuses javascript: and data: links.
    return MarkdownIt("js-default").enable("table")


def render_markdown(text: str) -> str:
    return _md().render(text or "")
