"""template.yaml as data: the CloudFormation short tags, intrinsic functions, SAM globals.

The local cloud reads everything it builds from here, so the laptop and AWS share one
description of the stack.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

NO_VALUE = object()


class _Loader(yaml.SafeLoader):
    pass


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_Loader.add_multi_constructor("!", _tag)


def load(path: Path) -> dict[str, Any]:
    with path.open() as f:
        data = yaml.load(f, Loader=_Loader)  # noqa: S506 - a SafeLoader with CFN tags
    if not isinstance(data, dict):
        raise ValueError(f"{path} is not a template")
    return data


@dataclass
class Physical:
    """What CloudFormation would know of a created resource: its Ref and its attributes."""

    ref: str
    attrs: dict[str, str] = field(default_factory=dict)


@dataclass
class Route:
    method: str
    path: str
    function: str  # logical id
    authorized: bool
    scopes: list[str]

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"


@dataclass
class Authorizer:
    issuer: str
    audience: list[str]
    identity_source: str


_SUB = re.compile(r"\$\{([^}!]+)\}")


class Template:
    def __init__(self, path: Path, *, stack_name: str, region: str, account_id: str,
                 parameters: Mapping[str, str] | None = None) -> None:
        self.path = path
        self.root = path.parent
        self.data = load(path)
        self.stack_name = stack_name
        self.region = region
        self.account_id = account_id
        self.parameters = {
            name: str((parameters or {}).get(name, spec.get("Default", "")))
            for name, spec in (self.data.get("Parameters") or {}).items()
        }
        self.physical: dict[str, Physical] = {}

    # -- structure ------------------------------------------------------------------------
    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        res: dict[str, dict[str, Any]] = self.data["Resources"]
        return res

    def of_type(self, type_name: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.resources.items() if v["Type"] == type_name}

    def properties(self, logical_id: str) -> dict[str, Any]:
        """A resource's properties with SAM's Globals merged in, intrinsics unresolved."""
        res = self.resources[logical_id]
        props = copy.deepcopy(res.get("Properties") or {})
        if res["Type"] == "AWS::Serverless::Function":
            glob = copy.deepcopy((self.data.get("Globals") or {}).get("Function") or {})
            env = glob.pop("Environment", {}).get("Variables", {})
            own_env = (props.get("Environment") or {}).get("Variables", {})
            merged = {**glob, **props}
            merged["Environment"] = {"Variables": {**env, **own_env}}
            return merged
        return props

    def dependencies(self, logical_id: str) -> set[str]:
        found: set[str] = set()

        def walk(v: Any) -> None:
            if isinstance(v, dict):
                if "Ref" in v and v["Ref"] in self.resources:
                    found.add(v["Ref"])
                if "Fn::GetAtt" in v:
                    found.add(v["Fn::GetAtt"][0])
                if "Fn::Sub" in v:
                    text = v["Fn::Sub"] if isinstance(v["Fn::Sub"], str) else v["Fn::Sub"][0]
                    for name in _SUB.findall(text):
                        base = name.split(".")[0]
                        if base in self.resources:
                            found.add(base)
                for item in v.values():
                    walk(item)
            elif isinstance(v, list):
                for item in v:
                    walk(item)

        walk(self.properties(logical_id))
        found.discard(logical_id)
        return found

    def creation_order(self, wanted: set[str]) -> list[str]:
        """Resources in `wanted`, each after the wanted resources it refers to."""
        order: list[str] = []
        seen: set[str] = set()

        def visit(lid: str, path: tuple[str, ...]) -> None:
            if lid in seen:
                return
            if lid in path:
                raise ValueError(f"circular reference: {' -> '.join((*path, lid))}")
            for dep in sorted(self.dependencies(lid) & wanted):
                visit(dep, (*path, lid))
            seen.add(lid)
            order.append(lid)

        for lid in sorted(wanted, key=list(self.resources).index):
            visit(lid, ())
        return order

    # -- intrinsic functions --------------------------------------------------------------
    def pseudo(self, name: str) -> Any:
        return {
            "AWS::StackName": self.stack_name,
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": NO_VALUE,
        }[name]

    def _ref(self, name: str) -> Any:
        if name.startswith("AWS::"):
            return self.pseudo(name)
        if name in self.parameters:
            return self.parameters[name]
        if name not in self.physical:
            raise KeyError(f"{name} is referred to before the local cloud made it")
        return self.physical[name].ref

    def _getatt(self, name: str, attr: str) -> str:
        if name not in self.physical:
            raise KeyError(f"{name}.{attr} is referred to before the local cloud made it")
        try:
            return self.physical[name].attrs[attr]
        except KeyError:
            raise KeyError(f"the local cloud does not know {name}.{attr}") from None

    def condition(self, name: str) -> bool:
        return bool(self.resolve(self.data["Conditions"][name]))

    def resolve(self, value: Any) -> Any:
        """Resolve intrinsic functions against what has been created so far."""
        if isinstance(value, list):
            out = [self.resolve(v) for v in value]
            return [v for v in out if v is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), = value.items()
            fn: Callable[[Any], Any] | None = {
                "Ref": lambda a: self._ref(a),
                "Fn::GetAtt": lambda a: self._getatt(a[0], a[1]),
                "Fn::Sub": self._sub,
                "Fn::Join": lambda a: a[0].join(str(x) for x in self.resolve(a[1])),
                "Fn::If": lambda a: self.resolve(a[1] if self.condition(a[0]) else a[2]),
                "Fn::Equals": lambda a: self.resolve(a[0]) == self.resolve(a[1]),
                "Fn::Not": lambda a: not self.resolve(a[0]),
                "Fn::And": lambda a: all(self.resolve(c) for c in a),
                "Fn::Or": lambda a: any(self.resolve(c) for c in a),
                "Fn::Select": lambda a: self.resolve(a[1])[int(a[0])],
                "Fn::Split": lambda a: str(self.resolve(a[1])).split(a[0]),
                "Condition": lambda a: self.condition(a),
            }.get(key)
            if fn is not None:
                return fn(arg)
        out_d = {k: self.resolve(v) for k, v in value.items()}
        return {k: v for k, v in out_d.items() if v is not NO_VALUE}

    def _sub(self, arg: Any) -> str:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
        local = {k: self.resolve(v) for k, v in variables.items()}

        def one(m: re.Match[str]) -> str:
            name = m.group(1)
            if name in local:
                return str(local[name])
            if "." in name and not name.startswith("AWS::"):
                base, attr = name.split(".", 1)
                return self._getatt(base, attr)
            return str(self._ref(name))

        return _SUB.sub(one, text)

    # -- SAM: API routes and authorizer ---------------------------------------------------
    def routes(self) -> list[Route]:
        routes: list[Route] = []
        for lid in self.of_type("AWS::Serverless::Function"):
            for event in (self.properties(lid).get("Events") or {}).values():
                if event["Type"] != "HttpApi":
                    continue
                p = event.get("Properties") or {}
                auth = p.get("Auth") or {}
                routes.append(Route(
                    method=str(p.get("Method", "ANY")).upper(),
                    path=str(p.get("Path", "/$default")),
                    function=lid,
                    authorized=auth.get("Authorizer") != "NONE",
                    scopes=list(auth.get("AuthorizationScopes") or []),
                ))
        return routes

    def http_api(self) -> tuple[str, dict[str, Any]]:
        apis = self.of_type("AWS::Serverless::HttpApi")
        if len(apis) != 1:
            raise ValueError("the local gateway serves exactly one AWS::Serverless::HttpApi")
        (lid, _), = apis.items()
        return lid, self.properties(lid)

    def authorizer(self) -> Authorizer | None:
        if not self.of_type("AWS::Serverless::HttpApi"):
            return None
        _, props = self.http_api()
        auth = props.get("Auth") or {}
        default = auth.get("DefaultAuthorizer")
        if not default:
            return None
        spec = auth["Authorizers"][default]
        jwt = spec["JwtConfiguration"]
        return Authorizer(
            issuer=str(self.resolve(jwt["issuer"])),
            audience=[str(a) for a in self.resolve(jwt["audience"])],
            identity_source=str(spec.get("IdentitySource", "$request.header.Authorization")),
        )

    # -- API Gateway WebSocket API ----------------------------------------------------------
    def websocket_api(self) -> WebSocketApi | None:
        """The WebSocket API (AWS::ApiGatewayV2::Api, ProtocolType WEBSOCKET), its stage and
        the function behind each route, if the template has one."""
        apis = {lid: p for lid, p in self.of_type("AWS::ApiGatewayV2::Api").items()
                if (p.get("Properties") or {}).get("ProtocolType") == "WEBSOCKET"}
        if not apis:
            return None
        if len(apis) != 1:
            raise ValueError("the local gateway serves at most one WebSocket API")
        (lid, res), = apis.items()

        def of_api(type_name: str) -> dict[str, dict[str, Any]]:
            return {k: self.properties(k) for k in self.of_type(type_name)
                    if self.properties(k).get("ApiId") == {"Ref": lid}}

        stages = of_api("AWS::ApiGatewayV2::Stage")
        if len(stages) != 1:
            raise ValueError(f"{lid}: the local gateway serves exactly one stage")
        (_, stage), = stages.items()
        functions = {}
        for ilid, p in of_api("AWS::ApiGatewayV2::Integration").items():
            uri = p.get("IntegrationUri")
            text = uri.get("Fn::Sub") if isinstance(uri, dict) else None
            m = re.search(r"\$\{(\w+)\.Arn\}", text if isinstance(text, str) else "")
            if p.get("IntegrationType") != "AWS_PROXY" or m is None:
                raise ValueError(f"{ilid}: the local gateway runs Lambda proxy integrations "
                                 "(IntegrationUri a !Sub naming ${Function.Arn}) only")
            functions[ilid] = m.group(1)
        permitted = {str(p.get("FunctionName", {}).get("Ref"))
                     for p in (self.properties(k) for k in self.of_type("AWS::Lambda::Permission"))
                     if p.get("Principal") == "apigateway.amazonaws.com"
                     and isinstance(p.get("FunctionName"), dict)}
        answered = {str(p["RouteId"]["Ref"])
                    for p in of_api("AWS::ApiGatewayV2::RouteResponse").values()}
        routes = {}
        for rlid, p in of_api("AWS::ApiGatewayV2::Route").items():
            target = p.get("Target")
            text = target.get("Fn::Sub") if isinstance(target, dict) else None
            m = re.fullmatch(r"integrations/\$\{(\w+)\}", text if isinstance(text, str) else "")
            if m is None or m.group(1) not in functions:
                raise ValueError(f"{rlid}: Target must be !Sub integrations/${{Integration}}")
            function = functions[m.group(1)]
            if function not in permitted:
                # API Gateway could not invoke it: say so here, not with a 500 per message.
                raise ValueError(f"{function} has no AWS::Lambda::Permission for API Gateway")
            routes[str(p["RouteKey"])] = WebSocketRoute(
                route_key=str(p["RouteKey"]), function=function,
                two_way=bool(p.get("RouteResponseSelectionExpression")) and rlid in answered)
        return WebSocketApi(logical_id=lid, stage=str(stage["StageName"]),
                            selection=str(res["Properties"].get("RouteSelectionExpression",
                                                                "$request.body.action")),
                            routes=routes)


@dataclass
class WebSocketRoute:
    route_key: str
    function: str  # logical id
    two_way: bool  # a route response: the function's body goes back to the caller


@dataclass
class WebSocketApi:
    logical_id: str
    stage: str
    selection: str  # RouteSelectionExpression, `$request.body.<field>`
    routes: dict[str, WebSocketRoute]
