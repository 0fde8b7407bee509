"""The operator's brand: the portal's name, logo, primary colour, footer links and support
contact, as deployment configuration. Read from a JSON file (`templates/site/brand.json`
unless `BRAND_FILE` names another), checked here, and served to the pages inside
`config.json`, which render it: a new brand is a new file, not a code change.

`python -m infra.brand [FILE]` checks a file and prints what the pages will get.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT / "templates" / "site" / "brand.json"

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]


def _url(value: str) -> str:
    # Links the operator's footer may hold: its own pages, the web, mail and phone. Never
    # javascript: or data:, which the page would otherwise render as a link.
    if value.startswith("/") and not value.startswith("//"):
        return value
    if value.split(":", 1)[0].lower() in {"https", "mailto", "tel"} and ":" in value:
        return value
    raise ValueError("a link is a site path (/...), https:, mailto: or tel:")


def _logo(value: str) -> str:
    # Served by the site itself: its Content-Security-Policy loads images from no other origin.
    if value.startswith("/") and not value.startswith("//"):
        return value
    raise ValueError("the logo is a path of the site (/static/brand/logo.svg)")


class Words(BaseModel):
    """A text in each of the site's languages."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    en: Text
    fi: Text


class Link(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    label: Words
    url: Annotated[str, StringConstraints(max_length=500), AfterValidator(_url)]


class Support(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    email: Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
                                            max_length=254)] | None = None
    phone: Annotated[str, StringConstraints(pattern=r"^\+?[0-9 ()-]{5,30}$")] | None = None
    hours: Words | None = None


class Brand(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: Words
    tagline: Words | None = None
    logo: Annotated[str, StringConstraints(max_length=500), AfterValidator(_logo)] | None = None
    # Any colour: the pages derive readable link and button colours from it (site.css).
    primary_colour: Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")] = "#0b5cad"
    links: list[Link] = Field(default_factory=list, max_length=8)
    support: Support = Support()

    def for_pages(self) -> dict[str, Any]:
        """As `config.json` carries it (the pages' camelCase)."""
        out = self.model_dump(exclude_none=True)
        out["primaryColour"] = out.pop("primary_colour")
        return out


class BadBrand(ValueError):
    pass


def load(path: Path | None = None) -> Brand:
    """The brand of this deployment: `path`, else `BRAND_FILE`, else the project's default."""
    source = path or Path(os.environ.get("BRAND_FILE") or DEFAULT)
    try:
        return Brand.model_validate(json.loads(source.read_text()))
    except (OSError, json.JSONDecodeError) as e:
        raise BadBrand(f"{source}: {e}") from e
    except ValidationError as e:
        problems = "; ".join(f"{'.'.join(map(str, err['loc']))}: {err['msg']}"
                             for err in e.errors())
        raise BadBrand(f"{source}: {problems}") from e


def main(argv: list[str]) -> int:
    try:
        brand = load(Path(argv[0]) if argv else None)
    except BadBrand as e:
        print(e, file=sys.stderr)
        return 1
    print(json.dumps(brand.for_pages(), indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
