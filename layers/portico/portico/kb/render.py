"""Article bodies: Markdown (CommonMark and tables, raw HTML off) rendered, then cleaned
with an allow-list, so no script, handler or javascript: link can ride in an article."""

from __future__ import annotations

from functools import cache
from typing import Any

TAGS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "a", "strong", "em", "del",
                  "ul", "ol", "li", "code", "pre", "blockquote", "table", "thead", "tbody",
                  "tr", "th", "td", "hr", "br", "img"})
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"},
              "th": {"style"}, "td": {"style"}, "ol": {"start"}}
SCHEMES = frozenset({"https", "http", "mailto"})


@cache
def _markdown() -> Any:
    # Imported here: only authoring and publishing render.
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(
        ["table", "strikethrough"])


def html(markdown: str) -> str:
    import nh3

    return str(nh3.clean(_markdown().render(markdown), tags=set(TAGS),
                         attributes={k: set(v) for k, v in ATTRIBUTES.items()},
                         url_schemes=set(SCHEMES), link_rel="noopener noreferrer nofollow",
                         filter_style_properties={"text-align"}))
