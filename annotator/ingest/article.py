"""What every parser returns (ArticleIn) and how it refuses a file (IngestError)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ArticleIn:
    title: str
    text: str
    url: str | None = None
    source: str | None = None
    published: str | None = None
    external_id: str | None = None
    topic: str | None = None
    lang: str | None = None  # a language tag: en, de, pt-BR; given by the file, it stands
    # What a web page declares (<html lang>, og:locale): kept where the text agrees with it,
    # else the detected language is stored (language.article_lang).
    declared_lang: str | None = None
    line: int | None = None  # line number in the source file (JSONL, CSV), for messages
    # Units given pre-split (a sentence CSV): stored as they are, never segmented; text is
    # their join.
    units: list[str] | None = None


class IngestError(ValueError):
    """A file that cannot be imported.  ``str(e)``: "news.jsonl, line 3: text is missing"."""

    def __init__(self, filename: str, message: str, line: int | None = None):
        self.filename = filename
        self.message = message
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.line is not None:
            return f"{self.filename}, line {self.line}: {self.message}"
        return f"{self.filename}: {self.message}"
