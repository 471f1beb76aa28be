"""The hint matcher of a project as the admin's pages use it (loop.matcher compiles each
lexicon once)."""
from __future__ import annotations

import json

from .. import loop
from ..hints.lexicon import lexicon_of
from ..hints.matcher import Matcher
from ..models import Project


def matcher_for(project: Project) -> Matcher:
    return loop.matcher(json.dumps(lexicon_of(project), sort_keys=True))
