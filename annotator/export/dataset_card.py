"""A dataset card (README.md) describing an export: labels, guidelines version, counts,
annotators, agreement with intervals, date range and the hint lexicon (no Flask import)."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..hints.lexicon import lexicon_of
from ..models import Adjudication, Annotation, Article, Project, Sentence
from ..projects import guidelines_version as numbered_version, settings
from ..review.intervals import describe_field
from ..review.stats import project_stats
from ..unit_repair import REPLACED
from .kinds import fields_of


def guidelines_version(project: Project) -> str:
    return hashlib.sha256((project.guidelines or "").encode()).hexdigest()[:16]


def _fmt(x) -> str:
    return "—" if x is None else f"{x:.3f}"


def dataset_card(session: Session, project: Project, export_kind: str, filename: str,
                 release: tuple[str, str] | None = None) -> str:
    """The card as Markdown; `release` (name, content hash) makes it cite a release."""
    stats = project_stats(session, project)
    cfg = settings(project)
    n_articles = session.scalar(select(func.count()).select_from(Article).where(Article.project_id == project.id))
    kinds = dict(session.execute(select(Sentence.kind, func.count()).where(
        Sentence.project_id == project.id, Sentence.kind != REPLACED).group_by(Sentence.kind)).all())
    first, last = session.execute(select(func.min(Annotation.created_at), func.max(Annotation.updated_at))
                                  .where(Annotation.project_id == project.id)).one()
    n_gold = session.scalar(select(func.count()).select_from(Adjudication).where(Adjudication.project_id == project.id))
    outlets = session.execute(select(Article.source, func.count()).where(Article.project_id == project.id)
                              .group_by(Article.source).order_by(func.count().desc())).all()
    names = [r["annotator"] for r in stats["annotator_stats"]]
    alias = {n: (f"A{i + 1}" if cfg["pseudonymous"] else n) for i, n in enumerate(sorted(names))}
    lexicon = lexicon_of(project)
    lex_json = json.dumps(lexicon, sort_keys=True, ensure_ascii=False)
    ci = stats["krippendorff_alpha_ci95"]
    lines = [
        *_hub_metadata(fields_of(project, export_kind), filename),
        f"# {project.name}: `{export_kind}` export",
        "",
        f"File: `{filename}` (JSON lines). Written {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC by annotator.",
        "",
        *_release_lines(project, release),
        "## Labels",
        "",
        "| id | name | key | definition |", "|---|---|---|---|",
        *[f"| `{l['id']}` | {l['name']} | {l['key']} | {l['description']} |" for l in project.labels],
        "",
        f"Guidelines version: {numbered_version(session, project)} (the `guidelines_version` of "
        f"annotation records), text `{guidelines_version(project)}` (first 16 hex digits of the "
        "SHA-256 of the project's guidelines text).",
        "",
        "## Counts",
        "",
        f"- Articles: {n_articles}; outlets: " + (", ".join(f"{o or 'unknown'} ({n})" for o, n in outlets) or "none"),
        "- Units by kind: " + ", ".join(f"{k}: {v}" for k, v in sorted(kinds.items())),
        f"- Annotations: {stats['annotations']} by {stats['annotators']} annotators "
        f"(overlap wanted: {project.overlap} per sentence); adjudicated sentences: {n_gold}",
        f"- Labelled between {first:%Y-%m-%d} and {last:%Y-%m-%d}" if first else "- No labels yet",
        "",
        "## Agreement",
        "",
        f"- Krippendorff's alpha (nominal): {_fmt(stats['krippendorff_alpha'])}"
        + (f", 95% bootstrap interval [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else ""),
        f"- Percent agreement: {_fmt(stats['percent_agreement'])}; Fleiss' kappa: {_fmt(stats['fleiss_kappa'])} "
        f"({stats['fleiss_units']} units); Gwet's AC1: {_fmt(stats['gwet_ac1'])}",
        f"- Units with a label: {stats['units']}; with two or more: {stats['pairable_units']}",
        "",
        "| label | count | alpha (label vs rest) |", "|---|---|---|",
        *[f"| `{k}` | {v['count']} | {_fmt(v['alpha'])} |" for k, v in stats["per_label"].items()],
        "",
        "| annotator | labels | agreement with the others' majority |", "|---|---|---|",
        *[f"| {alias[r['annotator']]} | {r['annotations']} | "
          f"{describe_field(r, 'agreement_with_majority')} |"
          for r in sorted(stats["annotator_stats"], key=lambda r: alias[r["annotator"]])],
        "",
        "Agreement with the others' majority: n is the sentences it rests on (the annotator's, "
        "where the other annotators have a unique majority), the 95% interval comes from 1,000 "
        "bootstrap resamples of them; below the project's minimum of "
        f"{cfg['min_items_per_annotator']} it is marked too few to judge.",
        "",
        "Final labels (`gold`, `spans`, `babe` exports): the adjudicated label, else "
        f"`{cfg['aggregation']}` aggregation where its share or posterior reaches {cfg['gold_threshold']}.",
        "",
        "## Hint lexicon",
        "",
        f"Annotators saw lexicon hints: {'yes' if cfg['hints'] else 'no'}. Lexicon version "
        f"`{hashlib.sha256(lex_json.encode()).hexdigest()[:16]}`"
        f" ({len(lexicon.get('cues', []))} attribution cues, {len(lexicon.get('contested_terms', []))} contested terms):",
        "",
        "```json", json.dumps(lexicon, indent=1, ensure_ascii=False), "```",
        "",
        "## Loading",
        "",
        "This card's header tells Hugging Face `datasets` the file and the type of every field,",
        "so load the folder that holds both (a column empty in the file's first 10 MB, such as",
        "`comment`, would otherwise stop `load_dataset('json', data_files=...)`):",
        "",
        "```python", "import pandas as pd", f"df = pd.read_json({filename!r}, lines=True)", "",
        "from datasets import load_dataset",
        "ds = load_dataset('.', split='train')  # the folder of this README", "```", "",
    ]
    return "\n".join(lines)


def _release_lines(project: Project, release: tuple[str, str] | None) -> list[str]:
    if release is None:
        return []
    name, content = release
    return ["## Release", "",
            f"This is release `{name}` of project `{project.slug}`, content hash "
            f"`sha256:{content}` (SHA-256 over the canonical JSON of every record of every "
            "export kind in this folder; manifest.json lists them). Cite it as:", "",
            f"> {project.name}, release {name} (sha256:{content[:16]}), made with annotator.", "",
            "CHANGELOG.md says what changed since the release before.", ""]


def _hub_metadata(fields: dict, filename: str) -> list[str]:
    """The YAML header of a Hugging Face dataset card: the data file and its features."""
    return ["---", "configs:", "- config_name: default", "  data_files:", "  - split: train",
            f"    path: {json.dumps(filename)}", "dataset_info:", "  features:",
            *_yaml_features(fields, "  "), "---", ""]


def _yaml_features(fields: dict, indent: str) -> list[str]:
    """`datasets.Features` in the card's YAML form (Features._to_yaml_list), without needing
    PyYAML or datasets here: every field a name and a dtype, a list or a struct of them."""
    out = []
    for name, kind in fields.items():
        out.append(f"{indent}- name: {name}")
        if isinstance(kind, str):
            out.append(f"{indent}  dtype: {kind}")
        elif isinstance(kind, dict):
            out += [f"{indent}  struct:", *_yaml_features(kind, indent + "  ")]
        elif isinstance(kind[0], str):
            out.append(f"{indent}  list: {kind[0]}")
        else:
            out += [f"{indent}  list:", *_yaml_features(kind[0], indent + "  ")]
    return out
