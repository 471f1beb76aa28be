"""Bytes -> text (UTF-8, binary and empty files refused with the line), and the clean-up
every imported plain text gets."""

from __future__ import annotations

import codecs
import html
import re

from .article import IngestError

# Formats people upload by mistake; named so the message says what the file is.
_MAGIC = (
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (a .docx or .xlsx file?)"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office document"),
)
# C0 controls other than tab, LF, VT, FF, CR: never in text, common in binary.
CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f]")
# A character reference left by a scraper ("&amp;", "&#8217;", "&nbsp;"), always with its
# semicolon: "AT&T" and "&notation" stay as they are.
_ENTITY_RE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def unescape(text: str) -> str:
    """Character references in scraped plain text, as the characters they stand for."""
    return _ENTITY_RE.sub(lambda m: html.unescape(m.group()), text) if "&" in text else text


def plain(text: str) -> str:
    """Imported plain text as stored: \n line ends, references decoded, and no C0 control
    characters (scraper debris; PostgreSQL refuses NUL in text)."""
    return CONTROL_RE.sub("", unescape(text.replace("\r\n", "\n").replace("\r", "\n")))


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode(filename: str, data: bytes) -> str:
    """UTF-8 bytes (BOM accepted) -> text with LF line ends.

    Refuses empty or blank files, binary data and invalid UTF-8 (naming the line and
    byte offset).
    """
    if not data.strip():
        raise IngestError(filename, "file is empty")
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise IngestError(filename, f"not a text file: this looks like {what}")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise IngestError(filename, "file is UTF-16 encoded; save it as UTF-8")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise IngestError(
            filename, f"binary data (a NUL byte at byte offset {nul}), not a text file", _line_of(data, nul)
        )
    data = data.rstrip(b"\x1a")  # the DOS end-of-file mark of old text files
    skip = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        text = data[skip:].decode("utf-8")
    except UnicodeDecodeError as e:
        offset = skip + e.start
        raise IngestError(
            filename,
            f"invalid UTF-8 (byte 0x{data[offset]:02x} at byte offset {offset}); save the file as UTF-8",
            _line_of(data, offset),
        ) from None
    bad = CONTROL_RE.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        raise IngestError(filename, f"binary data (control character U+{ord(bad.group()):04X}), not a text file", line)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise IngestError(filename, "file is empty")
    return text
