"""The OpenAPI 3 document of /api/v1; tests validate real responses against it."""
from __future__ import annotations

from .. import scheme_templates

_err = {"$ref": "#/components/responses/Error"}
_nullable_str = {"type": ["string", "null"]}
_strings = {"type": "array", "items": {"type": "string"}}
_bools = {"type": "array", "items": {"type": "boolean"}}
_nullable_num = {"type": ["number", "null"]}


def _json(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_slug = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
_sid = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
_aid = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"},
        "description": "article id"}
_repaired = _json({"type": "object", "required": ["units", "created", "replaced", "labels_moved"],
                   "properties": {
                       "units": {"type": "array", "items": {"$ref": "#/components/schemas/Unit"}},
                       "created": {"type": "array", "items": {"type": "integer"}},
                       "replaced": {"type": "array", "items": {"type": "integer"}},
                       "labels_moved": {"type": "integer"}}})


_model = _json({"type": "object", "required": ["versions", "jobs"], "properties": {
    "versions": {"type": "array", "items": {"type": "object", "required": [
        "version", "created_at", "n_labels", "folds", "macro_f1", "per_label_f1", "labels"]}},
    "jobs": {"type": "array", "items": {"$ref": "#/components/schemas/Job"}}}})


def _repair(summary: str, body: dict) -> dict:
    return {"post": {"summary": summary, "parameters": [_aid],
                     "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
                     "responses": {"200": _repaired, "400": _err, "401": _err, "403": _err,
                                   "404": _err}}}

_uid = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"},
        "description": "user id"}
_if_match = {"name": "If-Match", "in": "header", "required": True, "schema": {"type": "string"},
             "description": 'The ETag of the GET the update was made from, e.g. "v12"'}
_etag_header = {"ETag": {"description": 'The version, e.g. "v12": send it back as If-Match',
                         "schema": {"type": "string"}}}
_stale = _json({"type": "object", "required": ["error", "version", "changes"], "properties": {
    "error": {"type": "object"}, "version": {"type": "integer"},
    "changes": {"type": "array", "items": {"$ref": "#/components/schemas/Event"}}}},
    "Stale: changed since the version given (nothing was written); the changes since")
_project_state = {"type": "object", "required": ["slug", "name", "overlap", "labels", "settings",
                                                 "guidelines", "members", "lexicon"]}
_user_state = {"type": "object", "required": ["id", "username", "role", "active"]}


def _versioned(schema: dict) -> dict:
    return {**_json(schema), "headers": _etag_header}


def _deleted(what: str, params: list) -> dict:
    return {"summary": f"Soft-delete the {what} (admins): hidden everywhere until restored; only "
                       "`annotator purge` removes it", "parameters": params,
            "responses": {"200": _json({"type": "object", "required": ["deleted"]}),
                          "401": _err, "403": _err, "404": _err, "409": _err}}


_SHAPE = {"labels": {"type": ["array", "null"], "items": {"type": "string"},
                     "description": "multi-label projects: the labels chosen, in scheme order"},
          "confidence": {"type": ["integer", "null"],
                         "description": "a point 1..N on the project's confidence scale (null when off)"},
          "unsure": {"type": "boolean"},
          "rationale": {"type": ["string", "null"]}}

SPEC: dict = {
    "openapi": "3.1.0",
    "info": {"title": "annotator API", "version": "1",
             "description": "Label news sentences; see docs/api.md. Authenticate with "
                            "`Authorization: Bearer TOKEN` (create one with `annotator token NAME`)."},
    "servers": [{"url": "/api/v1"}],
    "security": [{"bearer": []}],
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "responses": {"Error": _json({"$ref": "#/components/schemas/Error"}, "Error")},
        "schemas": {
            "Event": {"type": "object", "required": [
                "id", "at", "actor_id", "actor", "request_id", "project_id", "kind", "action",
                "target", "before", "after"], "properties": {
                "id": {"type": "integer"}, "at": {"type": "string"},
                "actor_id": {"type": ["integer", "null"]}, "actor": _nullable_str,
                "request_id": _nullable_str, "project_id": {"type": ["integer", "null"]},
                "kind": {"type": "string"}, "action": {"type": "string"}, "target": {"type": "string"}}},
            "Error": {"type": "object", "required": ["error"], "properties": {"error": {
                "type": "object", "required": ["code", "message"],
                "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}},
            "Span": {"type": "object", "required": ["start", "end", "label"], "properties": {
                "start": {"type": "integer", "minimum": 0}, "end": {"type": "integer", "minimum": 1},
                "label": {"type": "string", "description": "one of the project's span types "
                          "(settings.span_types; default source, cue, content, framing_term)"},
                "voice": {"enum": ["author", "attributed"]}, "text": {"type": "string"}}},
            "Hint": {"type": "object", "required": ["start", "end", "type", "term"], "properties": {
                "start": {"type": "integer"}, "end": {"type": "integer"},
                "type": {"enum": ["cue", "contested_term", "source"]}, "term": {"type": "string"}}},
            "Sentence": {"type": "object",
                         "required": ["id", "article_id", "article_title", "position", "text",
                                      "kind", "context", "hints"],
                         "properties": {
                             "id": {"type": "integer"}, "article_id": {"type": "integer"},
                             "article_title": {"type": "string"}, "position": {"type": "integer"},
                             "text": {"type": "string"}, "kind": {"type": "string"},
                             "context": {"type": "object", "required": ["before", "after"], "properties": {
                                 "before": {"type": "array", "items": {"type": "string"}},
                                 "after": {"type": "array", "items": {"type": "string"}},
                                 "window": {"type": "object", "properties": {
                                     "unit": {"enum": ["sentences", "paragraphs"]},
                                     "size": {"type": "integer"}}},
                                 "kinds": {"type": "object", "properties": {
                                     "before": _strings, "after": _strings}},
                                 "breaks": {"type": "object", "properties": {
                                     "before": _bools, "after": _bools,
                                     "sentence": {"type": "boolean"}}}}},
                             "hints": {"type": "array", "items": {"$ref": "#/components/schemas/Hint"}},
                             "suggestion": {"type": "string", "description": (
                                 "Only in the suggestion arm of the assistance experiment: the "
                                 "project model's label, to outline, never to preselect")}}},
            "Project": {"type": "object", "required": ["slug", "name", "overlap", "labels", "can_annotate"],
                        "properties": {"slug": {"type": "string"}, "name": {"type": "string"},
                                       "overlap": {"type": "integer"}, "labels": {"type": "array"},
                                       "can_annotate": {"type": "boolean"}}},
            "Progress": {"type": "object", "required": ["done", "total"], "properties": {
                "done": {"type": "integer"}, "total": {"type": "integer"}}},
            "Annotation": {"type": "object",
                           "required": ["sentence_id", "label", "spans", "comment", "seconds",
                                        "created_at", "updated_at"],
                           "properties": {
                               "sentence_id": {"type": "integer"}, "label": {"type": "string"},
                               "spans": {"type": "array", "items": {"$ref": "#/components/schemas/Span"}},
                               "comment": _nullable_str, "seconds": _nullable_num, **_SHAPE,
                               "created_at": {"type": "string"}, "updated_at": {"type": "string"},
                               "outcome": {"enum": ["created", "updated", "unchanged"]},
                               "feedback": {"type": "object", "required": ["label", "explanation"],
                                            "properties": {"label": {"type": "string"},
                                                           "explanation": {"type": "string"}}}}},
            "LabelInput": {"type": "object", "description": "`label` (a label id), or in "
                           "multi-label projects `labels` (one or more label ids)", "properties": {
                "label": {"type": "string"},
                "spans": {"type": "array", "items": {"$ref": "#/components/schemas/Span"}},
                "comment": _nullable_str, "seconds": _nullable_num,
                "hints_shown": {"type": "array"}, **_SHAPE}},
            "Unit": {"type": "object",
                     "required": ["id", "position", "start", "end", "text", "kind", "long", "n_labels"],
                     "properties": {
                         "id": {"type": "integer"}, "position": {"type": "integer"},
                         "start": {"type": "integer"}, "end": {"type": "integer"},
                         "text": {"type": "string"}, "kind": {"type": "string"},
                         "long": {"type": "boolean"}, "n_labels": {"type": "integer"}}},
            "Job": {"type": "object", "required": ["id", "kind", "state", "attempts", "progress"],
                    "properties": {"id": {"type": "integer"}, "kind": {"type": "string"},
                                   "state": {"enum": ["queued", "running", "done", "failed"]},
                                   "attempts": {"type": "integer"}, "progress": {"type": "number"},
                                   "error": _nullable_str, "result": {"type": ["object", "null"]},
                                   "created_at": _nullable_str, "started_at": _nullable_str,
                                   "finished_at": _nullable_str}},
            "Article": {"type": "object", "required": ["title", "text"], "properties": {
                "title": {"type": "string"}, "text": {"type": "string"}, "url": _nullable_str,
                "source": _nullable_str, "published": _nullable_str, "id": _nullable_str,
                "topic": _nullable_str, "lang": _nullable_str}},
        },
    },
    "paths": {
        "/projects": {
            "get": {"summary": "Projects you can see", "responses": {
                "200": _json({"type": "object", "required": ["projects"], "properties": {"projects": {
                    "type": "array", "items": {"$ref": "#/components/schemas/Project"}}}}),
                "401": _err}},
            "post": {"summary": "Create a project (admins)",
                     "requestBody": {"required": True, "content": {"application/json": {"schema": {
                         "type": "object", "required": ["slug"], "properties": {
                             "slug": {"type": "string"}, "name": {"type": "string"},
                             "overlap": {"type": "integer", "minimum": 1, "maximum": 50},
                             "guidelines": {"type": "string"}, "labels": {"type": "array"},
                             "members": {"type": "array", "items": {"type": "string"}},
                             "settings": {"type": "object"},
                             "template": {"enum": list(scheme_templates.TEMPLATES)}}}}}},
                     "responses": {"201": _json({"$ref": "#/components/schemas/Project"}, "Created"),
                                   "400": _err, "401": _err, "403": _err, "409": _err}}},
        "/users": {"post": {
            "summary": "Create a user (admins); with \"token\": true a token for them is returned once",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["username"], "properties": {
                    "username": {"type": "string"}, "role": {"enum": ["admin", "reviewer", "annotator"]},
                    "password": {"type": "string"}, "token": {"type": "boolean"}}}}}},
            "responses": {"201": _json({"type": "object", "required": ["username", "role", "can_sign_in"],
                                        "properties": {"username": {"type": "string"},
                                                       "role": {"type": "string"},
                                                       "can_sign_in": {"type": "boolean"},
                                                       "token": {"type": "string"}}}, "Created"),
                          "400": _err, "401": _err, "403": _err, "409": _err}}},
        "/invites": {"post": {
            "summary": "Invite links (admins), all or none; each link is returned once",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["people"], "properties": {
                    "people": {"oneOf": [{"type": "array", "items": {"type": "string"}},
                                         {"type": "string"}],
                               "description": "usernames or e-mail addresses (or one a line)"},
                    "role": {"enum": ["admin", "reviewer", "annotator"]},
                    "projects": {"type": "array", "items": {"type": "string"}},
                    "days": {"type": "integer", "minimum": 1, "maximum": 90}}}}}},
            "responses": {"201": _json({"type": "object", "required": ["invites"], "properties": {
                "invites": {"type": "array", "items": {
                    "type": "object",
                    "required": ["id", "kind", "username", "email", "url", "mailed_to",
                                 "mail_error", "expires_at"],
                    "properties": {"id": {"type": "integer"}, "kind": {"const": "invite"},
                                   "username": _nullable_str, "email": _nullable_str,
                                   "url": {"type": "string"}, "mailed_to": _nullable_str,
                                   "mail_error": _nullable_str,
                                   "expires_at": {"type": "string"}}}}}}, "Created"),
                          "400": _err, "401": _err, "403": _err}}},
        "/projects/{slug}/next": {"get": {
            "summary": "The next sentence for you (leased to you), and your progress",
            "parameters": [_slug, {"name": "ahead", "in": "query", "required": False,
                                   "schema": {"type": "integer", "minimum": 0, "maximum": 10},
                                   "description": "also lease and return this many upcoming sentences"}],
            "responses": {
                "200": _json({"type": "object", "required": ["sentence", "progress"], "properties": {
                    "sentence": {"oneOf": [{"$ref": "#/components/schemas/Sentence"}, {"type": "null"}]},
                    "progress": {"$ref": "#/components/schemas/Progress"},
                    "upcoming": {"type": "array", "items": {"$ref": "#/components/schemas/Sentence"}}}}),
                "401": _err, "403": _err, "404": _err}}},
        "/projects/{slug}/articles/{id}": {"get": {
            "summary": "The whole article for the article view: its paragraphs and headings "
                       "(blocks of units) and your labels on its sentences",
            "parameters": [_slug, _aid],
            "responses": {
                "200": _json({"type": "object", "required": ["article_id", "title", "blocks", "mine"],
                              "properties": {
                                  "article_id": {"type": "integer"}, "title": {"type": "string"},
                                  "blocks": {"type": "array", "items": {
                                      "type": "object", "required": ["kind", "units"], "properties": {
                                          "kind": {"enum": ["paragraph", "heading", "boilerplate"]},
                                          "units": {"type": "array", "items": {
                                              "type": "object",
                                              "required": ["id", "position", "text", "kind"],
                                              "properties": {
                                                  "id": {"type": "integer"},
                                                  "position": {"type": "integer"},
                                                  "text": {"type": "string"},
                                                  "kind": {"type": "string"}}}}}}},
                                  "mine": {"type": "object", "additionalProperties": {
                                      "type": "string"}}}}),
                "401": _err, "403": _err, "404": _err}}},
        "/sentences/{id}/annotation": {
            "parameters": [_sid],
            "get": {"summary": "Your label of a sentence", "responses": {
                "200": _json({"$ref": "#/components/schemas/Annotation"}), "401": _err, "403": _err,
                "404": _err}},
            "put": {"summary": "Set your label (idempotent)",
                    "requestBody": {"required": True, "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/LabelInput"}}}},
                    "responses": {"200": _json({"$ref": "#/components/schemas/Annotation"}),
                                  "201": _json({"$ref": "#/components/schemas/Annotation"}, "Created"),
                                  "400": _err, "401": _err, "403": _err, "404": _err, "409": _err,
                                  "413": _err}},
            "delete": {"summary": "Remove your label (kept in history); the sentence stays leased "
                                  "to you, to label afresh or skip", "responses": {
                "200": _json({"type": "object", "required": ["deleted"],
                              "properties": {"deleted": {"type": "boolean"}}}),
                "401": _err, "403": _err, "404": _err}}},
        "/sentences/{id}/skip": {"post": {
            "summary": "Skip: the sentence returns at the end of your queue (a label of yours on "
                       "it is removed first, kept in history)", "parameters": [_sid],
            "responses": {"200": _json({"type": "object", "required": ["skipped", "unlabelled"],
                                        "properties": {"skipped": {"type": "integer"},
                                                       "unlabelled": {"type": "boolean"}}}),
                          "401": _err, "403": _err, "404": _err}}},
        "/projects/{slug}/disagreements": {"get": {
            "summary": "The disagreement queue (reviewers and admins), most disputed first; "
                       "annotators by pseudonym unless names=1",
            "parameters": [_slug] + [
                {"name": n, "in": "query", "required": False, "schema": {"type": "string"},
                 "description": d} for n, d in (
                    ("article", "article id (repeatable)"),
                    ("pair", "two label ids, a,b: sentences with both labels"),
                    ("annotator", "a pseudonym (A1) or username: sentences they labelled"),
                    ("outlet", "the article's source"), ("q", "text in the sentence"),
                    ("reason", "disagreement | suspect (the model flags the final label as a "
                               "suspected error); both when absent"),
                    ("resolved", "1: include sentences with a gold label"),
                    ("names", "1: annotators' names instead of pseudonyms"),
                    ("seen", "sentence ids to leave out, comma-separated (look-ahead)"),
                    ("page", "page number"), ("per_page", "items per page, up to 200"))],
            "responses": {"200": _json({"type": "object", "required": [
                "total", "page", "per_page", "pages", "names_shown", "filters", "items"]}),
                "400": _err, "401": _err, "403": _err, "404": _err}}},
        "/sentences/{id}/gold": {
            "parameters": [_sid],
            "get": {"summary": "The gold label of a sentence (reviewers and admins)", "responses": {
                "200": _json({"type": "object", "required": ["sentence_id", "label"]}),
                "401": _err, "403": _err, "404": _err}},
            "put": {"summary": "Set the gold label (reviewers and admins; idempotent)",
                    "requestBody": {"required": True, "content": {"application/json": {"schema": {
                        "type": "object", "description": "`label` (a label id), or in a "
                        "multi-label project the gold set: `labels` (one or more label ids; "
                        "stored in scheme order, `label` its first)",
                        "properties": {
                            "label": {"type": ["string", "null"]},
                            "labels": {"type": ["array", "null"], "items": {"type": "string"}},
                            "note": _nullable_str}}}}},
                    "responses": {
                        "200": _json({"type": "object", "required": ["sentence_id", "label", "labels", "outcome"]}),
                        "201": _json({"type": "object", "required": ["sentence_id", "label", "labels", "outcome"]},
                                     "Created"),
                        "400": _err, "401": _err, "403": _err, "404": _err, "409": _err}},
            "delete": {"summary": "Remove the gold label (kept in history)", "responses": {
                "200": _json({"type": "object", "required": ["deleted"],
                              "properties": {"deleted": {"type": "boolean"}}}),
                "401": _err, "403": _err, "404": _err, "409": _err}}},
        "/projects/{slug}/progress": {"get": {
            "summary": "Progress and control-item accuracy per annotator (reviewers and admins)",
            "parameters": [_slug],
            "responses": {"200": _json({"type": "object", "required": ["annotators"], "properties": {
                "annotators": {"type": "array", "items": {"type": "object", "required": [
                    "annotator", "done", "remaining", "median_seconds", "last_active",
                    "control_answered", "control_accuracy", "control_accuracy_n",
                    "control_accuracy_ci95", "control_accuracy_too_few", "flagged"]}}}}),
                "401": _err, "403": _err, "404": _err}}},
        "/projects/{slug}/stats": {"get": {
            "summary": "Agreement statistics (reviewers and admins)", "parameters": [_slug],
            "responses": {"200": _json({"type": "object", "required": [
                "units", "pairable_units", "annotations", "annotators", "labels",
                "percent_agreement", "krippendorff_alpha", "krippendorff_alpha_ci95",
                "krippendorff_alpha_ci95_over", "krippendorff_alpha_ci95_units", "fleiss_kappa", "fleiss_units", "gwet_ac1", "cohen_kappa", "per_label",
                "coincidence", "annotator_stats"], "properties": {
                    "annotator_stats": {"type": "array", "items": {"type": "object", "required": [
                        "annotator", "annotations", "agreement_with_majority",
                        "agreement_with_majority_n", "agreement_with_majority_ci95",
                        "agreement_with_majority_too_few", "label_distribution",
                        "median_seconds"]}}}}),
                "401": _err, "403": _err, "404": _err}}},
        "/projects/{slug}/export": {"get": {
            "summary": "Streamed export as JSONL or CSV (reviewers and admins); an empty one says "
                       "why in the X-Export-Empty header, a kind that cannot apply is a 409",
            "parameters": [_slug, {"name": "kind", "in": "query", "required": False,
                                   "schema": {"enum": ["annotations", "sentences", "gold", "spans", "babe", "semeval",
                                                       "predictions", "suspects"]}},
                           {"name": "format", "in": "query", "required": False,
                            "schema": {"enum": ["jsonl", "csv"]}},
                           {"name": "bom", "in": "query", "required": False,
                            "schema": {"enum": ["0", "1"]}}],
            "responses": {"200": {"description": "JSON lines, or CSV with a header row",
                                  "content": {"application/x-ndjson": {"schema": {"type": "string"}},
                                              "text/csv": {"schema": {"type": "string"}}}},
                          "400": _err, "401": _err, "403": _err, "404": _err, "409": _err}}},
        "/projects/{slug}/articles": {"post": {
            "summary": "Import articles (admins): one JSON article, JSONL, or CSV/TSV with a header "
                       "(articles, or pre-split sentences: article_id, position, text)",
            "parameters": [_slug],
            "requestBody": {"required": True, "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Article"}},
                "application/x-ndjson": {"schema": {"type": "string"}},
                "text/csv": {"schema": {"type": "string"}},
                "text/tab-separated-values": {"schema": {"type": "string"}}}},
            "responses": {
                "200": _json({"type": "object", "required": ["added", "skipped", "sentences"]}),
                "201": _json({"type": "object", "required": ["added", "skipped", "sentences"]}, "Created"),
                "400": _err, "401": _err, "403": _err, "404": _err, "413": _err}}},
        "/projects/{slug}/model": {
            "parameters": [_slug],
            "get": {"summary": "The project model's versions and its latest training jobs (reviewers and admins)",
                    "responses": {"200": _model, "401": _err, "403": _err, "404": _err}},
            "post": {"summary": "Queue a training of the project model (admins); `annotator worker` runs it",
                     "responses": {"202": _json({"type": "object", "required": ["job", "queued"], "properties": {
                         "job": {"$ref": "#/components/schemas/Job"}, "queued": {"type": "boolean"}}},
                         "Accepted"), "401": _err, "403": _err, "404": _err}}},
        "/projects/{slug}": {
            "parameters": [_slug],
            "get": {"summary": "The project as an admin edits it; its version in the ETag",
                    "responses": {"200": _versioned(_project_state), "401": _err, "403": _err, "404": _err}},
            "patch": {"summary": "Change some fields (admins); If-Match required. Only fields given "
                                 "and different from what is stored are written",
                      "parameters": [_if_match],
                      "requestBody": {"required": True, "content": {"application/json": {"schema": {
                          "type": "object", "additionalProperties": False, "properties": {
                              "name": {"type": "string"}, "overlap": {"type": "integer"},
                              "labels": {"type": "array"}, "settings": {"type": "object"},
                              "guidelines": {"type": ["string", "null"]},
                              "guidelines_translations": {
                                  "type": ["object", "null"],
                                  "additionalProperties": {"type": ["string", "null"]},
                                  "description": "{language tag: Markdown}: the guidelines in "
                                                 "other languages (empty text: removed)"},
                              "members": {"type": "array", "items": {"type": "string"}},
                              "lexicon": {"type": ["object", "null"]}}}}}},
                      "responses": {"200": _versioned(_project_state), "400": _err, "401": _err,
                                    "403": _err, "404": _err, "409": _stale, "428": _err}},
            "delete": _deleted("project", [])},
        "/users/{id}": {
            "parameters": [_uid],
            "get": {"summary": "A user account (admins); its version in the ETag",
                    "responses": {"200": _versioned(_user_state), "401": _err, "403": _err, "404": _err}},
            "patch": {"summary": "Change role and/or active (admins); If-Match required",
                      "parameters": [_if_match],
                      "requestBody": {"required": True, "content": {"application/json": {"schema": {
                          "type": "object", "additionalProperties": False, "properties": {
                              "role": {"enum": ["admin", "reviewer", "annotator"]},
                              "active": {"type": "boolean"}}}}}},
                      "responses": {"200": _versioned(_user_state), "400": _err, "401": _err,
                                    "403": _err, "404": _err, "409": _stale, "428": _err}},
            "delete": _deleted("user", [])},
        "/articles/{id}": {"delete": _deleted("article", [_aid])},
        "/events": {"get": {
            "summary": "The event log, newest first (admins); filters and keyset pages (before=next)",
            "parameters": [{"name": n, "in": "query", "schema": {"type": t}} for n, t in (
                ("project", "string"), ("actor", "string"), ("kind", "string"), ("since", "string"),
                ("until", "string"), ("before", "integer"), ("limit", "integer"))],
            "responses": {"200": _json({"type": "object", "required": ["events", "next"], "properties": {
                "events": {"type": "array", "items": {"$ref": "#/components/schemas/Event"}},
                "next": {"type": ["integer", "null"]}}}), "400": _err, "401": _err, "403": _err}}},
        "/deleted": {"get": {
            "summary": "What was deleted and can be restored (admins)",
            "responses": {"200": _json({"type": "object", "required": ["deleted"]}), "401": _err,
                          "403": _err}}},
        "/deleted/{what}/{id}/restore": {"post": {
            "summary": "Restore a deleted article, project or user (admins)",
            "parameters": [{"name": "what", "in": "path", "required": True,
                            "schema": {"enum": ["article", "project", "user"]}}, _sid],
            "responses": {"200": _json({"type": "object", "required": ["restored", "id"]}),
                          "401": _err, "403": _err, "404": _err, "409": _err}}},
        "/articles/{id}/units/merge": _repair(
            "Merge two adjacent units of an article (admins); labels on them move to history",
            {"type": "object", "required": ["first", "second"], "properties": {
                "first": {"type": "integer"}, "second": {"type": "integer"}}}),
        "/articles/{id}/units/split": _repair(
            "Split a unit before a character of its text (admins); its labels move to history",
            {"type": "object", "required": ["sentence", "at"], "properties": {
                "sentence": {"type": "integer"}, "at": {"type": "integer", "minimum": 1}}}),
    },
}
