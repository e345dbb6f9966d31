"""Fit a pull-request comment into GitHub's size limit without hiding anything silently.

GitHub rejects an issue or pull-request comment body longer than 65,536 characters (the REST API answers
422 "Body is too long (maximum is 65536 characters)"; counted here in UTF-16 code units, as GitHub's
JavaScript clients count, so an emoji counts twice). The renderers mark what may go, in this order:

1. ``full-preview``: the folded full preview (resources per component, outputs);
2. ``long-diff``: the folded before/after ``diff`` block of each changed JSON document;
3. ``diagram``: the Mermaid diagram;
4. the rows of the change table (between ``ROWS_BEGIN`` and ``ROWS_END``), cut from the end (the table is
   sorted risk first) with a row ``... and N more``.

Everything else (verdict, risk list, policy results, topic contracts, parity) always stays. Whatever is
dropped is named in a visible note at the top of the comment, with a pointer to the workflow artifact
that holds the full reports.

``python -m blueprint.report.budget --preview P.md [--parity Q.md] --output C.md`` writes the comment.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

#: GitHub's maximum comment body, in characters (UTF-16 code units).
GITHUB_COMMENT_LIMIT = 65536
#: Marker that finds the workflow's previous comment to update it.
COMMENT_MARKER = "<!-- staging-blueprint:preview -->"
ROWS_BEGIN = "<!-- budget:rows -->"
ROWS_END = "<!-- /budget:rows -->"
#: What may be dropped, first to last.
DROP_ORDER = ("full-preview", "long-diff", "diagram")
_LABELS = {
    "full-preview": "the folded full preview",
    "long-diff": "long before/after diffs",
    "diagram": "the diagram",
}


def fold_begin(name: str) -> str:
    """Opening marker of a block the budget may drop (``name`` in ``DROP_ORDER``)."""
    return f"<!-- budget:{name} -->"


def fold_end(name: str) -> str:
    """Closing marker of a droppable block."""
    return f"<!-- /budget:{name} -->"


def size(text: str) -> int:
    """Length as GitHub counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _drop(text: str, name: str) -> tuple[str, int]:
    pattern = re.compile(re.escape(fold_begin(name)) + r".*?" + re.escape(fold_end(name)) + r"\n?", re.S)
    return pattern.subn("", text)


def _cut_rows(text: str, over: int, artifact: str) -> tuple[str, int]:
    """Drop change-table rows from the end until ``over`` characters are saved; (text, rows dropped)."""
    start, end = text.find(ROWS_BEGIN), text.find(ROWS_END)
    if start < 0 or end < 0:
        return text, 0
    header, *rows = _split_header(text[start + len(ROWS_BEGIN) : end].strip("\n").split("\n"))
    dropped = 0
    saved = 0
    while rows and saved < over + 200:
        saved += size(rows.pop()) + 1
        dropped += 1
    note = f"| … | and {dropped} more | | see the `{artifact}` artifact (preview.md) for every row |"
    body = "\n".join([*header, *rows, note] if dropped else [*header, *rows])
    return text[:start] + ROWS_BEGIN + "\n\n" + body + "\n\n" + text[end:], dropped


def _split_header(lines: list[str]) -> list[Any]:
    """``[header lines, row, row, ...]``: the table's heading and separator stay whatever is cut."""
    kept = [line for line in lines if line.strip()]
    return [kept[:2], *kept[2:]]


def fit_comment(
    preview: str, parity: str = "", limit: int = GITHUB_COMMENT_LIMIT, artifact: str = "staging-preview"
) -> str:
    """The comment body: marker, preview, parity; within ``limit`` (see the module docstring).

    Raises:
        ValueError: the parts that always stay (verdict, policy, contracts, parity) exceed ``limit``
            on their own; the caller reports it instead of posting a cut comment.
    """
    body = f"{COMMENT_MARKER}\n{preview.rstrip()}\n\n{parity.rstrip()}\n"
    dropped: list[str] = []
    reserve = 400  # the note added below
    for name in DROP_ORDER:
        if size(body) + reserve <= limit:
            break
        body, count = _drop(body, name)
        if count:
            dropped.append(_LABELS[name])
    if size(body) + reserve > limit:
        body, rows = _cut_rows(body, size(body) + reserve - limit, artifact)
        if rows:
            dropped.append(f"{rows} change-table row(s)")
    if size(body) + reserve > limit:
        raise ValueError(f"the comment needs {size(body)} characters even without optional parts")
    if dropped:
        note = (
            f"> [!NOTE]\n> **Shortened to fit GitHub's {limit:,}-character comment limit:** left out "
            f"{', '.join(dropped)}. The full reports are in the workflow artifact `{artifact}`.\n\n"
        )
        body = body.replace(COMMENT_MARKER + "\n", COMMENT_MARKER + "\n" + note, 1)
    return body


def main(argv: list[str] | None = None) -> int:
    """Write the comment; exit 0, or 1 when even the mandatory parts are over the limit."""
    parser = argparse.ArgumentParser(prog="python -m blueprint.report.budget", description=__doc__)
    parser.add_argument("--preview", type=Path, required=True, help="preview --format markdown output")
    parser.add_argument("--parity", type=Path, help="parity --format markdown output")
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--artifact", default="staging-preview", help="name of the artifact with the reports")
    parser.add_argument("--limit", type=int, default=GITHUB_COMMENT_LIMIT)
    args = parser.parse_args(argv)
    missing = "_{} did not run; see the job log._"
    preview = (
        args.preview.read_text(encoding="utf-8") if args.preview.is_file() else missing.format("The preview")
    )
    parity = ""
    if args.parity is not None:
        parity = (
            args.parity.read_text(encoding="utf-8") if args.parity.is_file() else missing.format("Parity")
        )
    try:
        text = fit_comment(preview, parity, args.limit, args.artifact)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
