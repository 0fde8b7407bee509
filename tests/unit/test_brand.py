"""The operator's brand file: what it may hold, what it refuses and how the pages get it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from infra import brand

GOOD: dict[str, Any] = {
    "name": {"en": "Acme Care", "fi": "Acme-tuki"},
    "primary_colour": "#ffd500",
    "logo": "/static/brand/acme.svg",
    "links": [{"label": {"en": "Privacy", "fi": "Tietosuoja"},
               "url": "https://acme.example/privacy"},
              {"label": {"en": "Call us", "fi": "Soita"}, "url": "tel:+358401234567"}],
    "support": {"email": "help@acme.example", "phone": "+358 40 123 4567"},
}


def write(tmp_path: Path, content: object) -> Path:
    path = tmp_path / "brand.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def with_(**change: Any) -> dict[str, Any]:
    return {**GOOD, **change}


def test_the_projects_default_brand_is_valid_and_its_logo_is_in_the_site() -> None:
    b = brand.load(brand.DEFAULT)
    pages = b.for_pages()
    assert pages["name"]["en"]
    assert pages["name"]["fi"]
    assert pages["primaryColour"].startswith("#")
    assert "primary_colour" not in pages
    assert (brand.ROOT / "templates" / "site" / pages["logo"].lstrip("/")).is_file()


def test_a_brand_file_is_read_from_brand_file(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRAND_FILE", str(write(tmp_path, GOOD)))
    pages = brand.load().for_pages()
    assert pages["name"] == {"en": "Acme Care", "fi": "Acme-tuki"}
    assert pages["primaryColour"] == "#ffd500"
    assert [link["url"] for link in pages["links"]] == ["https://acme.example/privacy",
                                                         "tel:+358401234567"]
    assert "tagline" not in pages  # left out, not null: the pages show nothing for it


@pytest.mark.parametrize(("content", "says"), [
    (with_(name=None), "name"),
    (with_(name="Acme"), "name"),
    (with_(name={"en": "Acme"}), "name.fi"),
    (with_(name={"en": "  ", "fi": "x"}), "name.en"),
    (with_(name={"en": "A" * 121, "fi": "x"}), "name.en"),
    (with_(primary_colour="blue"), "primary_colour"),
    (with_(primary_colour="#12345"), "primary_colour"),
    (with_(primary_colour=1234), "primary_colour"),
    (with_(logo="https://cdn.example/logo.svg"), "logo"),
    (with_(logo="//cdn.example/logo.svg"), "logo"),
    (with_(logo="javascript:alert(1)"), "logo"),
    (with_(links=[{"label": {"en": "x", "fi": "x"}, "url": "javascript:alert(1)"}]), "links.0.url"),
    (with_(links=[{"label": {"en": "x", "fi": "x"}, "url": "data:text/html,hi"}]), "links.0.url"),
    (with_(links=[{"label": {"en": "x", "fi": "x"}, "url": "//evil.example"}]), "links.0.url"),
    (with_(links=[{"label": {"en": "x", "fi": "x"}, "url": "/p"}] * 9), "links"),
    (with_(links=None), "links"),
    (with_(support={"email": "not an address"}), "support.email"),
    (with_(support={"phone": "call me"}), "support.phone"),
    (with_(colour="#000000"), "colour"),  # a misspelt key is refused, not ignored
])
def test_a_bad_brand_is_refused_naming_the_field(tmp_path: Path, content: dict[str, Any],
                                                 says: str) -> None:
    with pytest.raises(brand.BadBrand) as caught:
        brand.load(write(tmp_path, content))
    assert says in str(caught.value)


@pytest.mark.parametrize("content", ["", "{", "[]", "null"])
def test_a_file_that_is_not_a_brand_is_refused(tmp_path: Path, content: str) -> None:
    with pytest.raises(brand.BadBrand) as caught:
        brand.load(write(tmp_path, content))
    assert "brand.json" in str(caught.value)


def test_a_missing_file_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(brand.BadBrand, match=r"nowhere\.json"):
        brand.load(tmp_path / "nowhere.json")


def test_the_check_command_prints_the_brand_or_says_what_is_wrong(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert brand.main([str(write(tmp_path, GOOD))]) == 0
    assert json.loads(capsys.readouterr().out)["primaryColour"] == "#ffd500"
    assert brand.main([str(write(tmp_path, with_(primary_colour="red")))]) == 1
    assert "primary_colour" in capsys.readouterr().err


def test_make_run_stops_on_a_bad_brand_saying_what_is_wrong(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from infra import local
    monkeypatch.setenv("BRAND_FILE", str(write(tmp_path, with_(primary_colour="teal"))))
    assert local.main(["--port", "0", "--state", str(tmp_path / "local.json")]) == 1
    assert "primary_colour" in capsys.readouterr().err
    assert not (tmp_path / "local.json").exists()
