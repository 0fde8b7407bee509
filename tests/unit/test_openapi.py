"""The checked-in API contract (openapi.json) is what the code says, valid OpenAPI 3.1,
and names exactly the routes template.yaml declares."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.validation import OpenAPIV31SpecValidator

from infra import openapi
from infra.template import Template

ROOT = Path(__file__).resolve().parents[2]
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


@pytest.fixture(scope="module")
def generated() -> dict[str, Any]:
    return openapi.build()


@pytest.fixture(scope="module")
def checked_in() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(openapi.OUTPUT.read_text())
    return data


@pytest.fixture(scope="module")
def template() -> Template:
    return Template(ROOT / "template.yaml", stack_name="portico", region="eu-west-1",
                    account_id="123456789012")


def operations(doc: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(method.upper(), path): op for path, item in doc["paths"].items()
            for method, op in item.items() if method in METHODS}


def test_checked_in_contract_is_what_the_code_says(generated: dict[str, Any]) -> None:
    assert openapi.OUTPUT.read_text() == openapi.render(generated), (
        "openapi.json is stale: run `python -m infra.openapi` and commit it")


def test_contract_is_valid_openapi_3_1(checked_in: dict[str, Any]) -> None:
    assert checked_in["openapi"].startswith("3.1.")
    validate(checked_in, cls=OpenAPIV31SpecValidator)


def test_contract_names_exactly_the_template_routes(checked_in: dict[str, Any],
                                                    template: Template) -> None:
    assert set(operations(checked_in)) == {(r.method, r.path) for r in template.routes()}


def test_routes_that_need_a_token_say_so_and_public_ones_do_not(
        checked_in: dict[str, Any], template: Template) -> None:
    ops = operations(checked_in)
    for r in template.routes():
        op = ops[r.method, r.path]
        if r.authorized:
            assert op["security"] == [{openapi.SECURITY_SCHEME: r.scopes}], r.route_key
            assert "401" in op["responses"], r.route_key
        else:
            assert "security" not in op, r.route_key
            assert "401" not in op["responses"], r.route_key
    scheme = checked_in["components"]["securitySchemes"][openapi.SECURITY_SCHEME]
    assert (scheme["type"], scheme["scheme"], scheme["bearerFormat"]) == (
        "http", "bearer", "JWT")


def test_every_operation_documents_the_error_answers(checked_in: dict[str, Any]) -> None:
    components = checked_in["components"]
    for key, op in operations(checked_in).items():
        method, path = key
        expected = ["400", "403", "404", "409", "422", "429", "503"]
        if method in ("POST", "PUT", "PATCH"):
            expected += ["413", "415"]
        if path.startswith("/invitations/"):
            expected.append("410")
        for status in expected:
            ref = op["responses"][status]["$ref"]
            assert ref.startswith("#/components/responses/"), (key, status)
        for status in ("429", "503"):
            name = op["responses"][status]["$ref"].rsplit("/", 1)[1]
            assert "Retry-After" in components["responses"][name]["headers"], (key, status)
    error = components["schemas"]["Error"]
    assert error["required"] == ["error"]
    assert error["properties"]["error"]["required"] == ["code", "message"]


def test_path_parameters_are_named_as_in_the_template(checked_in: dict[str, Any]) -> None:
    for (method, path), op in operations(checked_in).items():
        in_path = sorted(p["name"] for p in op.get("parameters", []) if p["in"] == "path")
        assert in_path == sorted(re.findall(r"\{(\w+)\}", path)), f"{method} {path}"


def test_a_route_the_resolver_lacks_fails_generation(tmp_path: Path) -> None:
    text = (ROOT / "template.yaml").read_text()
    assert "Path: /health\n" in text
    (tmp_path / "template.yaml").write_text(text.replace("Path: /health\n",
                                                         "Path: /healthz\n", 1))
    (tmp_path / "functions").symlink_to(ROOT / "functions")
    with pytest.raises(openapi.ContractError, match="/health"):
        openapi.build(tmp_path / "template.yaml")
