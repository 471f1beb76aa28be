"""CSV (and tab-separated .tsv) files: a header row, then one article per row, or one
pre-split unit per row (article_id, position, text), all or nothing, every bad line named."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from .article import ArticleIn, IngestError
from .decode import CONTROL_RE
from .jsonl import article_from, raise_collected

ARTICLE_COLUMNS = ("title", "text", "url", "source", "published", "id", "topic", "lang")
UNIT_COLUMNS = ("article_id", "position", "text")
# A sentence file may say what each article is; the first non-empty value wins.
UNIT_ARTICLE_COLUMNS = ("title", "url", "source", "published", "topic", "lang")
# An article's text in one cell can be far past the csv module's default limit (128 KB).
MAX_FIELD = 16 * 1024 * 1024


def _paragraphs(text: str) -> str:
    """Line breaks in a cell are paragraph breaks (a spreadsheet has no blank lines in a cell)."""
    return "\n\n".join(line.strip() for line in text.split("\n") if line.strip())


def rows(filename: str, lines, delimiter: str):
    """(line the row starts on, its cells) for each non-blank row of `lines` (any iterable of
    text lines: a whole file's, or a stream's); csv errors name the line."""
    csv.field_size_limit(max(csv.field_size_limit(), MAX_FIELD))
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            raise IngestError(filename, f"not valid CSV ({e})", reader.line_num or start) from None
        if any(cell.strip() for cell in row):
            yield start, row


def header(filename: str, line: int, row: list[str]) -> list[str]:
    """The column names of a header row, checked: an article table (ARTICLE_COLUMNS) or a
    sentence table (UNIT_COLUMNS)."""
    names = [CONTROL_RE.sub("", c).strip().lower() for c in row]
    names[0] = names[0].lstrip("\ufeff")
    table = UNIT_COLUMNS if "position" in names else ARTICLE_COLUMNS
    allowed = table + (UNIT_ARTICLE_COLUMNS if table is UNIT_COLUMNS else ())
    for name in names:
        if name not in allowed:
            if "title" not in names and "text" not in names and "position" not in names:
                raise IngestError(filename, "the first row must be a header naming the columns: "
                                  f"{', '.join(ARTICLE_COLUMNS)} (articles) or "
                                  f"{', '.join(UNIT_COLUMNS)} (pre-split sentences)", line)
            raise IngestError(filename, f"unknown column {name!r} in the header (columns: "
                              f"{', '.join(allowed)})", line)
    if len(set(names)) < len(names):
        twice = next(n for n in names if names.count(n) > 1)
        raise IngestError(filename, f"column {twice!r} appears twice in the header", line)
    required = ("title", "text") if table is ARTICLE_COLUMNS else UNIT_COLUMNS
    missing = [n for n in required if n not in names]
    if missing:
        raise IngestError(filename, f"the header has no {' or '.join(missing)} column", line)
    return names


def _record(names: list[str], row: list[str]) -> dict:
    if len(row) > len(names):
        raise ValueError(f"{len(row)} fields, but the header names {len(names)}")
    return {n: v for n, v in zip(names, row) if v.strip()}


def article_rows(names: list[str], rows) -> Iterator[tuple[int, ArticleIn | None, str | None]]:
    """(line, article, None) for each good row of an article table, (line, None, message)
    for each bad one."""
    for line, row in rows:
        try:
            art = article_from(_record(names, row), line)
        except ValueError as e:
            yield line, None, str(e)
            continue
        art.text = _paragraphs(art.text)
        yield line, art, None


def parse_csv(filename: str, text: str, delimiter: str = ",") -> list[ArticleIn]:
    """Articles from a CSV file whose header names the columns (ARTICLE_COLUMNS), or
    pre-split units (UNIT_COLUMNS) grouped into articles. Raises IngestError naming the
    file, line and field; nothing is returned unless every row is good."""
    table = rows(filename, io.StringIO(text, newline=""), delimiter)
    first = next(table, None)
    if first is None:
        raise IngestError(filename, "no header row")
    names = header(filename, *first)
    if "position" in names:
        return _units(filename, names, table)
    articles: list[ArticleIn] = []
    errors: list[tuple[int | None, str]] = []
    for line, art, error in article_rows(names, table):
        if error is not None:
            errors.append((line, error))
        else:
            articles.append(art)
    if errors:
        raise_collected(filename, errors)
    if not articles:
        raise IngestError(filename, "no articles in the file (only a header)")
    return articles


def _units(filename: str, names: list[str], rows) -> list[ArticleIn]:
    """Rows of (article_id, position, text) -> one article per article_id, its units in
    position order, exactly as given; the article's text is the units joined by a space."""
    groups: dict[str, dict] = {}
    errors: list[tuple[int | None, str]] = []
    for line, row in rows:
        try:
            rec = _record(names, row)
            for name in UNIT_COLUMNS:
                if name not in rec:
                    raise ValueError(f"{name} is empty")
            aid = CONTROL_RE.sub("", rec["article_id"]).strip()
            try:
                pos = int(rec["position"].strip())
            except ValueError:
                raise ValueError(f"position: a whole number, got {rec['position'][:40]!r}") from None
            unit = CONTROL_RE.sub("", rec["text"])
            group = groups.setdefault(aid, {"line": line, "units": {}, "meta": {}})
            if pos in group["units"]:
                raise ValueError(f"position {pos} of article {aid!r} is on line "
                                 f"{group['units'][pos][0]} already")
            group["units"][pos] = (line, unit)
            for name in UNIT_ARTICLE_COLUMNS:
                if name in rec and name not in group["meta"]:
                    group["meta"][name] = rec[name]
        except ValueError as e:
            errors.append((line, str(e)))
    articles: list[ArticleIn] = []
    for aid, group in groups.items():
        units = [unit for _, (_, unit) in sorted(group["units"].items())]
        meta = group["meta"]
        try:
            art = article_from({"title": meta.get("title", aid), "text": " ".join(units), "id": aid,
                                **{k: v for k, v in meta.items() if k != "title"}}, group["line"])
        except ValueError as e:
            errors.append((group["line"], f"article {aid!r}: {e}"))
            continue
        art.text, art.units = " ".join(units), units
        articles.append(art)
    if errors:
        raise_collected(filename, sorted(errors, key=lambda e: e[0] or 0))
    if not articles:
        raise IngestError(filename, "no sentences in the file (only a header)")
    return articles
