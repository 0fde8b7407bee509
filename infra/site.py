"""Builds the static site from templates/site/ with Jinja2 (`python -m infra.site`)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "templates" / "site"
OUTPUT = ROOT / "build" / "site"


def build(source: Path = SOURCE, output: Path = OUTPUT, lang: str = "en") -> Path:
    env = Environment(loader=FileSystemLoader(source), autoescape=select_autoescape(),
                      undefined=StrictUndefined)
    if output.exists():
        shutil.rmtree(output)
    output.mkdir(parents=True)
    for page in sorted(source.rglob("*.html")):
        rel = page.relative_to(source)
        if rel.name == "base.html" or rel.parts[0].startswith("_"):
            continue
        target = output / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(env.get_template(rel.as_posix()).render(lang=lang), encoding="utf-8")
    shutil.copytree(source / "static", output / "static")
    return output


if __name__ == "__main__":
    out = build()
    print(f"site built in {out.relative_to(ROOT)}", file=sys.stderr)
