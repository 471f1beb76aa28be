"""One compiled hint matcher per lexicon, shared by the pages and the API."""
from __future__ import annotations

import json
from functools import lru_cache

from ..hints.lexicon import lexicon_of
from ..hints.matcher import Matcher
from ..models import Project


@lru_cache(maxsize=64)
def _compiled(lexicon_json: str) -> Matcher:
    return Matcher(json.loads(lexicon_json))


def matcher_for(project: Project) -> Matcher:
    return _compiled(json.dumps(lexicon_of(project), sort_keys=True))
