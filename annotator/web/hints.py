"""One compiled hint matcher per lexicon, shared by the pages and the API."""
from __future__ import annotations

import json
from functools import lru_cache

from .. import suggest
from ..models import Project


@lru_cache(maxsize=64)
def _compiled(lexicon_json: str) -> suggest.Matcher:
    return suggest.Matcher(json.loads(lexicon_json))


def matcher_for(project: Project) -> suggest.Matcher:
    lexicon = project.lexicon or suggest.DEFAULT_LEXICON
    return _compiled(json.dumps(lexicon, sort_keys=True))
