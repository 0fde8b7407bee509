"""template.yaml read as the local cloud reads it, and checks cfn-lint does not make."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from infra.functions import Function
from infra.local import ROOT
from infra.template import Physical, Template, load

HTTP_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"}
RUNTIMES = {"python3.12", "python3.13"}


@pytest.fixture(scope="module")
def template() -> Template:
    return Template(ROOT / "template.yaml", stack_name="portico-test", region="eu-west-1",
                    account_id="123456789012")


def test_short_tags_become_intrinsic_functions(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("A: !Ref X\nB: !GetAtt Q.Arn\nC: !Sub '${AWS::StackName}-x'\n"
                    "D: !If [Cond, [1], !Ref AWS::NoValue]\n")
    assert load(path) == {"A": {"Ref": "X"}, "B": {"Fn::GetAtt": ["Q", "Arn"]},
                          "C": {"Fn::Sub": "${AWS::StackName}-x"},
                          "D": {"Fn::If": ["Cond", [1], {"Ref": "AWS::NoValue"}]}}


def test_intrinsics_resolve_against_what_was_made(template: Template) -> None:
    template.physical["Queue"] = Physical("https://q", {"Arn": "arn:aws:sqs:eu-west-1:1:q"})
    try:
        assert template.resolve({"Fn::Sub": "${AWS::StackName}-${Queue.Arn}/${Queue}"}) == (
            "portico-test-arn:aws:sqs:eu-west-1:1:q/https://q")
        assert template.resolve({"Fn::GetAtt": ["Queue", "Arn"]}) == "arn:aws:sqs:eu-west-1:1:q"
        assert template.resolve([{"Ref": "AWS::NoValue"}, 1]) == [1]
        assert template.resolve({"Fn::If": ["HasAlarmEmail", "yes", "no"]}) == "no"
        with pytest.raises(KeyError, match="Missing"):
            template.resolve({"Ref": "Missing"})
    finally:
        del template.physical["Queue"]


def test_creation_order_puts_references_first(template: Template) -> None:
    order = template.creation_order(set(template.resources))
    for lid in order:
        for dep in template.dependencies(lid):
            assert order.index(dep) < order.index(lid), f"{dep} must come before {lid}"


def test_functions_use_a_real_runtime_and_the_layer(template: Template) -> None:
    for lid in template.of_type("AWS::Serverless::Function"):
        props = template.properties(lid)
        assert props["Runtime"] in RUNTIMES
        assert {"Ref": "PorticoLayer"} in props["Layers"]
        assert props["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"]


def _shape(path: str) -> str:
    return re.sub(r"[{<][^}>]+[}>]", "{}", path)


def test_every_route_reaches_a_handler_that_serves_it(template: Template) -> None:
    routes = template.routes()
    assert {(r.method, r.path) for r in routes} >= {("GET", "/health"), ("GET", "/me")}
    for route in routes:
        assert route.method in HTTP_METHODS
        assert route.path.startswith("/")
        props = template.properties(route.function)
        fn = Function(route.function, route.function, "arn", ROOT / props["CodeUri"],
                      props["Handler"], {"POWERTOOLS_SERVICE_NAME": "test"}, 3, 128, {})
        with fn.environment():
            module = fn._load()
        app = module.app
        served = {(r.method, _shape(r.path)) for r in app._static_routes + app._dynamic_routes}
        assert (route.method, _shape(route.path)) in served, route.route_key


def test_only_the_declared_routes_are_public(template: Template) -> None:
    public = {r.route_key for r in template.routes() if not r.authorized}
    # The invitation token is the credential of the invitee, who has no login yet.
    assert public == {"GET /health", "GET /invitations/{token}",
                      "POST /invitations/{token}/accept"}


def test_the_authorizer_is_cognito_for_the_portal_client(template: Template) -> None:
    template.physical["UserPool"] = Physical("eu-west-1_pool")
    template.physical["UserPoolClient"] = Physical("client-1")
    try:
        auth = template.authorizer()
    finally:
        del template.physical["UserPool"], template.physical["UserPoolClient"]
    assert auth is not None
    assert auth.issuer == "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_pool"
    assert auth.audience == ["client-1"]
    assert auth.identity_source == "$request.header.Authorization"
