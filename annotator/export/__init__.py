"""Exports: the records of each kind (``records``), written as JSON lines (``write_jsonl``,
``iter_jsonl``); research layouts in ``layouts``, the dataset card in ``dataset_card``, and reading an
``annotations`` export back in ``annotation_import``."""
from .jsonl import iter_jsonl, write_jsonl
from .kinds import FIELDS, KINDS, REGISTRY, records

__all__ = ["FIELDS", "KINDS", "REGISTRY", "iter_jsonl", "records", "write_jsonl"]
