"""Exports: the records of each kind (``records``), written as JSON lines or CSV (``output``:
``write_export``, ``iter_export``, ``file_name``, ``empty_reason``); research layouts in
``layouts``, the dataset card in ``dataset_card``, and reading an ``annotations`` export back
in ``annotation_import``."""
from .jsonl import iter_jsonl, write_jsonl
from .kinds import FIELDS, KINDS, REGISTRY, ExportRefused, records
from .output import FORMATS, MIMETYPES, check_format, empty_reason, file_name, iter_export, write_export

__all__ = ["FIELDS", "FORMATS", "KINDS", "MIMETYPES", "REGISTRY", "ExportRefused", "check_format",
           "empty_reason", "file_name", "iter_export", "iter_jsonl", "records", "write_export",
           "write_jsonl"]
