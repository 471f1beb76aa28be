"""Files (.txt .md .jsonl .csv .tsv .html) -> articles, with clear errors.

Pure parsing: no database, no Flask.  Every parser returns the whole list of articles of a
file or raises ``IngestError`` naming the file (and the line where there is one), so a file
imports all or nothing.  Modules by concern: decode (bytes -> text), text (.txt, .md), jsonl
(.jsonl, .json), csv_table (.csv, .tsv), html_page / html_blocks (.html), files (dispatch by extension).
"""

from .article import ArticleIn, IngestError
from .csv_table import parse_csv
from .decode import decode
from .files import parse_file
from .html_page import parse_html
from .jsonl import parse_jsonl
from .strict_json import json_loads
from .text import parse_txt

__all__ = [
    "ArticleIn",
    "IngestError",
    "parse_csv",
    "decode",
    "json_loads",
    "parse_file",
    "parse_html",
    "parse_jsonl",
    "parse_txt",
]
