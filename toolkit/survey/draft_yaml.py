"""A drafted codebook (toolkit.survey.draft) as YAML text, every guess a comment beside its key.

Written by hand rather than dumped, because comments are the point: the evaluator reviews each
guess. `draft_yaml` writes a new codebook; `extend_yaml` inserts the drafted tables into the text
of an existing one (everything already there is kept, comments included). Pure: text in, text out.
"""

from __future__ import annotations

import json
import re

import yaml

from toolkit.config.yaml import ConfigLoader
from toolkit.core.codes import Code, show_code
from toolkit.core.errors import ConfigError
from toolkit.survey.draft import Draft, DraftTable

_PLAIN = re.compile(r"[^\W\d][\w.\-]*")
_RESERVED = re.compile(r"(?i)true|false|null|yes|no|on|off|y|n")
COMMENT_WIDTH = 100


def scalar(text: str) -> str:
    """A name as YAML reads it back as the same text: plain when safe, else double-quoted."""
    if _PLAIN.fullmatch(text) and not _RESERVED.fullmatch(text):
        return text
    return quoted(text)


def quoted(text: str) -> str:
    """Double-quoted YAML (JSON's escaping is valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def code(value: Code) -> str:
    return show_code(value) if isinstance(value, float) else quoted(str(value))


def codes(values: list[Code]) -> str:
    return f"[{', '.join(code(v) for v in values)}]"


def comment(text: str, width: int = COMMENT_WIDTH) -> str:
    """One comment line (line breaks folded, long texts cut with '…')."""
    flat = " ".join(text.split())
    return "# " + (flat if len(flat) <= width else flat[: width - 1].rstrip() + "…")


def _with_comment(line: str, why: str) -> str:
    return f"{line}  {comment(why, 160)}" if why else line


def table_lines(t: DraftTable, indent: str = "  ") -> list[str]:
    """The `- type: …` entry of one drafted table with its comments."""
    inner = indent + "  "
    out = []
    if t.label:
        out.append(indent + comment(t.label if len(t.variables) > 1 else f"{t.variables[0]}: {t.label}"))
    out.append(indent + comment(t.why, 160))
    out += [indent + comment(n, 160) for n in t.notes]
    out.append(f"{indent}- type: {t.type}")
    if t.id:
        out.append(_with_comment(f"{inner}id: {scalar(t.id)}", "the default id would be taken or unclear"))
    if t.title:
        out.append(_with_comment(f"{inner}title: {quoted(t.title)}", "from the variable labels"))
    if t.type in ("single", "open"):
        out.append(f"{inner}variable: {scalar(t.variables[0])}")
    elif t.item_labels:
        out.append(f"{inner}items:")
        out += [f"{inner}  {scalar(v)}: {quoted(t.item_labels[v])}" for v in t.variables]
    else:
        out.append(f"{inner}items: [{', '.join(scalar(v) for v in t.variables)}]")
    if t.missing:
        out.append(_with_comment(f"{inner}missing: {codes(t.missing)}", t.missing_why))
    for var, cs in t.filter.items():
        out.append(f"{inner}{comment(f'filter: {{{scalar(var)}: {code(cs[0]) if len(cs) == 1 else codes(cs)}}}')}  "
                   f"{comment(t.filter_why + ' – remove the first # to apply', 200)}")
    return out


def skipped_lines(draft: Draft, indent: str = "  ", as_comments: bool = False) -> list[str]:
    """`- name  # why` for each column not tabulated (as comments when they cannot be keys)."""
    if not draft.skipped:
        return []
    width = max(len(scalar(s.name)) for s in draft.skipped) + 2
    lead = "# " if as_comments else ""
    return [f"{indent}{lead}- {scalar(s.name).ljust(width)}{comment(s.why, 160)}" for s in draft.skipped]


def _header(draft: Draft, command: str) -> list[str]:
    return [
        comment(f"Codebook drafted by `toolkit codebook` from {draft.name}: {draft.respondents} respondents, "
                f"{draft.columns} columns, {len(draft.tables)} tables.", 200),
        "# A draft: every guess is marked by a comment – review them, then run",
        f"#   {command}",
        '# Format: surveys/README.md, "Codebook" (titles, numbers, notes, two-way tables and groups are yours to add).',
    ]


def draft_yaml(draft: Draft, *, command: str) -> str:
    """A complete codebook: header, title, the columns to skip, and the drafted tables."""
    stem = draft.name.rsplit(".", 1)[0]
    lines = _header(draft, command) + [
        _with_comment(f"title: {quoted(stem)}", "the file's name: name the survey"),
        '# source: "Survey blandt …, 2025"      # the "Kilde:" line under every table',
        '# chapter: "3"                         # tables without number: become Tabel 3.1, 3.2 …',
    ]
    if draft.skipped:
        lines += ["", "skip:  # columns not tabulated, each with the reason guessed"] + skipped_lines(draft)
    lines += ["", "tables:"]
    for t in draft.tables:
        lines += table_lines(t) + [""]
    return "\n".join(lines).rstrip("\n") + "\n"


def extend_yaml(existing: str, draft: Draft, *, source: str = "<codebook>", command: str) -> str:
    """The existing codebook's text with the drafted tables added at the end of its `tables:` list
    (or as a new `tables:` list), and the skipped columns as comments; nothing else is touched."""
    root = yaml.compose(existing, Loader=ConfigLoader) if existing.strip() else None
    if root is not None and not isinstance(root, yaml.MappingNode):
        raise ConfigError("expected a mapping (key: value lines) at the top of the codebook", source)
    node = next((v for k, v in (root.value if root is not None else []) if k.value == "tables"), None)
    block = [comment(f"Drafted by `toolkit codebook` from {draft.name}: {len(draft.tables)} table(s) for the columns "
                     "this codebook did not cover; every guess is marked by a comment. Check with", 200),
             f"#   {command}"]
    lines = existing.splitlines()
    if node is None:  # one table per labelled variable so far: the drafted list replaces that
        return "\n".join(lines + ["", "tables:"] + ["  " + b for b in block] + _tables_and_skips(draft, "  ")).rstrip("\n") + "\n"
    if not isinstance(node, yaml.SequenceNode) or node.flow_style or not node.value:
        raise ConfigError("tables: must be a block list ('- type: …' lines) for toolkit codebook to add to it", source,
                          row=node.start_mark.line + 1)
    indent = " " * node.start_mark.column
    last = node.end_mark.line - 1 if node.end_mark.column == 0 else node.end_mark.line
    while last > node.start_mark.line and (not lines[last].strip() or lines[last].lstrip().startswith("#")):
        last -= 1
    insert = [""] + [indent + b for b in block] + _tables_and_skips(draft, indent)
    return "\n".join(lines[: last + 1] + insert + lines[last + 1:]).rstrip("\n") + "\n"


def _tables_and_skips(draft: Draft, indent: str) -> list[str]:
    out: list[str] = [""]
    for t in draft.tables:
        out += table_lines(t, indent) + [""]
    if draft.skipped:
        out += [f"{indent}# Not tabulated (add them to skip: if that is right):"] + skipped_lines(draft, indent, as_comments=True)
    return out
