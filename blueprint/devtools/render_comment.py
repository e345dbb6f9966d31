"""Render the pull-request comment of a few realistic compares as GitHub would, and screenshot them.

Not run by ``make test`` (it needs Chromium and two npm packages); ``make review-screenshots`` runs it:

    python -m blueprint.devtools.render_comment --node-modules reports/.render-node/node_modules \\
        --out reports/review-screenshots

Each scenario edits a real preview of the default stack into a base, compares (``preview --compare``'s
code path), renders the Markdown comment, fits it to GitHub's comment limit with the parity section (the
workflow's ``budget`` step), and converts it to HTML the way GitHub does as closely as offline allows:
CommonMark with GFM tables and strikethrough (markdown-it-py), raw HTML kept (``<details>``), GitHub's
alert syntax (``> [!NOTE]``) turned into GitHub's alert markup, Mermaid fences drawn by the ``mermaid``
npm package, inside ``<article class="markdown-body">`` styled by the ``github-markdown-css`` package at
the width of a pull-request comment (about 780 px of text). Per scenario it writes ``NAME.md``,
``NAME.html``, ``NAME.png`` (as first seen: every ``<details>`` closed) and ``NAME-open.png`` (all open).

Scenarios: ``iam-permission`` (a role policy gains ``secretsmanager:PutSecretValue``), ``db-name``
(``dbName`` changes: a replacement), ``edge-public`` (the edge's load balancer made internet-facing),
``large-300`` (about 300 resources, every one changed: the comment at its budget).
"""

from __future__ import annotations

import argparse
import copy
import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt

from blueprint.cli import main as blueprint_main
from blueprint.report.budget import fit_comment, size
from blueprint.report.render import render_markdown
from blueprint.review.compare import compare_reports

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
    "--virtual-time-budget=15000",
]
ALERT = re.compile(r"<blockquote>\s*<p>\[!(NOTE|TIP|IMPORTANT|WARNING|CAUTION)\]\s*", re.S)


def _resource(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return next(r for r in doc["resources"] if r["name"] == name)


def _iam_base(head: dict[str, Any]) -> dict[str, Any]:
    base = copy.deepcopy(head)
    resource = _resource(base, "token-broker-role-developer-access")
    document = json.loads(resource["inputs"]["policy"])
    for statement in document["Statement"]:
        actions = statement["Action"]
        if isinstance(actions, list) and "secretsmanager:PutSecretValue" in actions:
            actions.remove("secretsmanager:PutSecretValue")
    resource["inputs"]["policy"] = json.dumps(document)
    return base


def _db_name_base(head: dict[str, Any]) -> dict[str, Any]:
    base = copy.deepcopy(head)
    _resource(base, "db-orders-instance")["inputs"]["dbName"] = "orders_old"
    return base


def _internet_facing(doc: dict[str, Any]) -> dict[str, Any]:
    head = copy.deepcopy(doc)
    edge = _resource(head, "edge-proxy")["inputs"]["spec"]["provider"]["kubernetes"]["envoyService"]
    edge["annotations"]["service.beta.kubernetes.io/aws-load-balancer-scheme"] = "internet-facing"
    return head


def _large(doc: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(base, head) of twice the stack's resources, every custom resource's description changed."""
    base, head = copy.deepcopy(doc), copy.deepcopy(doc)
    for one in (base, head):
        for r in copy.deepcopy(doc["resources"]):
            r["urn"], r["name"] = f"{r['urn']}-2", f"{r['name']}-2"
            one["resources"].append(r)
    for r in head["resources"]:
        if r["custom"]:
            r["inputs"]["description"] = "changed by this pull request " + "x" * 40
    return base, head


def scenarios(preview: dict[str, Any]) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """Scenario name -> (base, head) previews."""
    builders: dict[str, Callable[[], tuple[dict[str, Any], dict[str, Any]]]] = {
        "iam-permission": lambda: (_iam_base(preview), preview),
        "db-name": lambda: (_db_name_base(preview), preview),
        "edge-public": lambda: (preview, _internet_facing(preview)),
        "large-300": lambda: _large(preview),
    }
    return {name: build() for name, build in builders.items()}


def comment(base: dict[str, Any], head: dict[str, Any], parity: str) -> str:
    """The comment body the workflow posts: compared preview + parity, fitted to GitHub's limit."""
    head = copy.deepcopy(head)
    head["changes"] = compare_reports(base, head, "base.json")
    return fit_comment(render_markdown(head), parity)


def to_html(markdown: str, node_modules: Path) -> str:
    """A standalone page rendering ``markdown`` like a GitHub comment (see the module docstring)."""
    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    default_fence = md.renderer.rules["fence"]  # type: ignore[attr-defined]  # RendererHTML has rules

    def fence(_renderer: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
        token = tokens[idx]
        if token.info.strip() == "mermaid":
            return f'<pre class="mermaid">{html.escape(token.content)}</pre>\n'
        return str(default_fence(tokens, idx, options, env))

    md.add_render_rule("fence", fence)
    body = ALERT.sub(
        lambda m: (
            f'<div class="markdown-alert markdown-alert-{m.group(1).lower()}">'
            f'<p class="markdown-alert-title">{m.group(1).title()}</p><p>'
        ),
        md.render(markdown),
    )
    body = re.sub(r'(<div class="markdown-alert[^>]*>.*?)</blockquote>', r"\1</div>", body, flags=re.S)
    css = (node_modules / "github-markdown-css" / "github-markdown-light.css").read_text()
    script = (node_modules / "mermaid" / "dist" / "mermaid.min.js").read_text()
    return f"""<!doctype html><html><head><meta charset="utf-8"><style>{css}
body {{ margin: 0; background: #fff; }}
.markdown-body {{ box-sizing: border-box; width: 812px; padding: 16px; margin: 16px;
  border: 1px solid #d0d7de; border-radius: 6px; }}
</style></head><body><article class="markdown-body">{body}</article>
<script>{script}</script>
<script>
if (location.hash === "#open") document.querySelectorAll("details").forEach(d => d.open = true);
mermaid.initialize({{startOnLoad: false, securityLevel: "strict", theme: "default"}});
mermaid.run({{querySelector: "pre.mermaid"}});
</script></body></html>"""


def screenshot(chromium: str, page: Path, png: Path, height: int, open_all: bool) -> None:
    """``page`` in headless Chromium (fresh profile, no network services) at 860 x ``height`` px."""
    with tempfile.TemporaryDirectory(prefix="render-comment-") as profile:
        url = page.resolve().as_uri() + ("#open" if open_all else "")
        subprocess.run(
            [
                chromium,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                f"--window-size=860,{height}",
                f"--screenshot={png}",
                url,
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )


def _preview(workdir: Path) -> dict[str, Any]:
    path = workdir / "staging.json"
    if blueprint_main(["preview", "--format", "json", "--output", str(path)]) != 0:
        raise SystemExit("render_comment: the default stack's preview failed")
    return dict(json.loads(path.read_text()))


def _parity(workdir: Path) -> str:
    path = workdir / "parity.md"
    blueprint_main(["parity", "staging", "production", "--format", "markdown", "--output", str(path)])
    return path.read_text() if path.is_file() else "_Parity did not run; see the job log._\n"


def run(out: Path, node_modules: Path, chromium: str) -> list[Path]:
    """Write every scenario's Markdown, HTML and screenshots under ``out``; return the PNG paths."""
    out.mkdir(parents=True, exist_ok=True)
    pngs: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="render-comment-") as tmp:
        preview, parity = _preview(Path(tmp)), _parity(Path(tmp))
    for name, (base, head) in scenarios(preview).items():
        text = comment(base, head, parity)
        (out / f"{name}.md").write_text(text, encoding="utf-8")
        page = out / f"{name}.html"
        page.write_text(to_html(text, node_modules), encoding="utf-8")
        for open_all, suffix, height in ((False, "", 2400), (True, "-open", 16000)):
            png = out / f"{name}{suffix}.png"
            screenshot(chromium, page, png, height, open_all)
            pngs.append(png)
        print(f"{name}: {size(text)} UTF-16 code units -> {out / name}.png, {out / name}-open.png")
    return pngs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("reports/review-screenshots"))
    parser.add_argument("--node-modules", type=Path, default=Path("reports/.render-node/node_modules"))
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = parser.parse_args(argv)
    for package in ("github-markdown-css", "mermaid"):
        if not (args.node_modules / package).is_dir():
            print(f"render_comment: {args.node_modules / package} is missing; run make review-screenshots")
            return 2
    if not Path(args.chromium).exists():
        print(f"render_comment: no Chromium at {args.chromium}; install it (apt-get install chromium)")
        return 2
    run(args.out, args.node_modules, args.chromium)
    return 0


if __name__ == "__main__":
    sys.exit(main())
