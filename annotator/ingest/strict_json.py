"""json.loads with every refusal reported as invalid JSON (never a RecursionError or a
string no database can store), for imported files and JSON request bodies alike."""

from __future__ import annotations

import json
import re

# A \uD800-\uDFFF escape: half of a UTF-16 pair. Python's parser joins whole pairs into one
# character and leaves a lone half in the string, which no database can store (UTF-8 has no
# encoding for it): such text is refused here, with the file and line, not at the INSERT.
_SURROGATE_ESCAPE_RE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_SURROGATE_ESCAPE_BYTES_RE = re.compile(_SURROGATE_ESCAPE_RE.pattern.encode())
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def json_loads(text):
    """json.loads, with input nested too deeply for the parser (which raises RecursionError),
    numbers too long for int() and strings holding half a UTF-16 pair ("\\ud83d") reported as
    invalid JSON like any other, so that callers name the file and line."""
    doc = text if isinstance(text, str) else ""
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        raise
    except UnicodeDecodeError as err:  # bytes that are not UTF-8 (or UTF-16/32 with a BOM)
        raise json.JSONDecodeError(f"not UTF-8 (byte {err.start})", doc, 0) from None
    except (RecursionError, ValueError) as err:
        # ValueError: an integer past Python's limit of digits (sys.get_int_max_str_digits)
        what = "nested too deeply" if isinstance(err, RecursionError) else "a number too long"
        raise json.JSONDecodeError(what, doc, 0) from None
    escape = _SURROGATE_ESCAPE_RE if isinstance(text, str) else _SURROGATE_ESCAPE_BYTES_RE
    if escape.search(text):
        _refuse_lone_surrogates(value, doc)
    return value


def _refuse_lone_surrogates(value, doc: str) -> None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if m := _SURROGATE_RE.search(item):
                raise json.JSONDecodeError(
                    f"{ascii(m.group())[1:-1]} is half of a UTF-16 pair, not a character", doc, 0)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
