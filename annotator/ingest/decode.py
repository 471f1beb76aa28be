"""Bytes -> text (UTF-8, binary and empty files refused with the line), and the clean-up
every imported plain text gets."""

from __future__ import annotations

import codecs
import html
import re

import charset_normalizer

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


# U+2028 LINE SEPARATOR, U+2029 PARAGRAPH SEPARATOR and U+0085 NEXT LINE, left in scraped
# text by JavaScript strings and old encodings, often in the middle of a sentence: a line
# break only after the end of a sentence, else a space (a line break would cut the sentence).
_SEPARATOR_RE = re.compile(r"([.!?…。！？][)\]\"'”’»]*)?[ \t]*([\u2028\u2029\x85])[ \t]*")


def _separator(m: re.Match) -> str:
    if not m.group(1):
        return " "
    return m.group(1) + ("\n\n" if m.group(2) == "\u2029" else "\n")


def plain(text: str) -> str:
    """Imported plain text as stored: \n line ends, references decoded, and no C0 control
    characters (scraper debris; PostgreSQL refuses NUL in text)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\u2028" in text or "\u2029" in text or "\x85" in text:
        text = _SEPARATOR_RE.sub(_separator, text)
    return CONTROL_RE.sub("", unescape(text))


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _refuse_binary(filename: str, data: bytes) -> None:
    if not data.strip():
        raise IngestError(filename, "file is empty")
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise IngestError(filename, f"not a text file: this looks like {what}")


def _refuse_nul(filename: str, data: bytes) -> None:
    nul = data.find(b"\x00")
    if nul >= 0:
        raise IngestError(
            filename, f"binary data (a NUL byte at byte offset {nul}), not a text file", _line_of(data, nul)
        )


def decode(filename: str, data: bytes) -> str:
    """UTF-8 bytes (BOM accepted), or UTF-16 with its byte order mark -> text with LF line ends.

    Refuses empty or blank files, binary data and invalid UTF-8 (naming the line and
    byte offset).
    """
    _refuse_binary(filename, data)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode text": the byte order mark says which UTF-16 it is
        try:
            data = data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError as e:
            raise IngestError(filename, f"not valid UTF-16 ({e.reason} at byte offset {e.start})") from None
    _refuse_nul(filename, data)
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


# Byte order marks, longest first (the UTF-32 LE mark starts with the UTF-16 LE one).
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF8, "utf-8"),
         (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
# <meta charset="windows-1250">, <meta http-equiv="Content-Type" content="text/html; charset=...">
# or an XML declaration, in the head of the page.
_DECLARED_RE = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([\w:.-]{2,40})"""
                          rb"""|<\?xml[^>]{0,100}?encoding\s*=\s*["']([\w:.-]{2,40})""", re.I)
# As browsers do (WHATWG Encoding): pages labelled Latin-1 or ASCII are windows-1252.
_ALIASES = {"iso-8859-1": "cp1252", "iso8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252",
            "l1": "cp1252", "us-ascii": "cp1252", "ascii": "cp1252", "x-sjis": "shift_jis", "gb2312": "gb18030",
            "gbk": "gb18030", "ks_c_5601-1987": "cp949", "euc-kr": "cp949", "tis-620": "cp874",
            "iso-8859-9": "cp1254", "x-mac-roman": "mac_roman"}


def declared_charset(data: bytes) -> str | None:
    """The charset a page declares in its first 4 KB, as a Python codec name, if known."""
    m = _DECLARED_RE.search(data, 0, 4096)
    if not m:
        return None
    name = (m.group(1) or m.group(2)).decode("ascii").strip().lower()
    name = _ALIASES.get(name, name)
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    # A page read as bytes cannot be UTF-16 without a BOM; browsers read such a label as UTF-8.
    return "utf-8" if codec.startswith(("utf-16", "utf-32")) else codec


def decode_page(filename: str, data: bytes) -> str:
    """A web page's bytes -> text with LF line ends, never refused for its encoding: the
    BOM, else UTF-8 if the bytes are valid UTF-8, else the declared charset, else the
    encoding charset-normalizer detects.
    Control characters, which a browser does not show, are dropped."""
    _refuse_binary(filename, data)
    bom = next(((mark, name) for mark, name in _BOMS if data.startswith(mark)), None)
    if bom:
        text = data[len(bom[0]):].decode(bom[1], errors="replace")
    else:
        _refuse_nul(filename, data)
        text = None
        # Valid UTF-8 first: bytes of another encoding are almost never valid UTF-8 by
        # chance, while pages saved as UTF-8 under a stale Latin declaration are common.
        for codec in dict.fromkeys(c for c in ("utf-8", declared_charset(data)) if c):
            try:
                text = data.decode(codec)
                break
            except UnicodeDecodeError:
                continue
        if text is None:
            best = charset_normalizer.from_bytes(data).best()
            text = str(best) if best is not None else data.decode("cp1252", errors="replace")
    text = CONTROL_RE.sub("", text.rstrip("\x1a").replace("\r\n", "\n").replace("\r", "\n"))
    if not text.strip():
        raise IngestError(filename, "file is empty")
    return text
