"""Cold start of each function as Lambda runs it: the import of `app` and the first request,
in fresh python3.12 processes that see only the built layer, the function's code and the
runtime's boto3.

The layer is built with the recipe `sam build` uses (layers/portico/Makefile, for this
machine's architecture) in two variants: sources only (COMPILE=0: every cold start compiles
them, since /opt is read-only and nothing can keep the bytecode), and with its bytecode
compiled by python3.12 (what the Makefile does by default). Both run from the layer zip
unpacked with its timestamps, as Lambda sees it. A function's own requirements.txt is
installed into its build folder as `sam build` does (pip install -r requirements.txt -t, by
the runtime's python3.12 for this machine's architecture, pip's cache reused) and compiled
as the layer is; every function template.yaml lists is measured, and one that cannot be
built or imported prints its error and leaves the others' figures.

Targets: import of `app` <= 2.5 x `import boto3` in the same runtime; first request <= 1.5 x
the import. `-X importtime` names what to make lazy or drop.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import yaml
from moto.server import ThreadedMotoServer

from infra import runtime as stand_in

ROOT = Path(__file__).resolve().parent.parent
RUNTIME = stand_in.RUNTIME  # the stand-in tests/integration shares
RUNS = 5
TOP = 8
REGION = "eu-west-1"
# Names the bench's moto server gets; the functions read them from their environment.
TABLE, BUS, ATTACHMENTS = "portico-table", "portico-events", "portico-attachments-123456789012"
POOL, CLIENT = "eu-west-1_EXAMPLE", "3n4b5urk1ft4fl3mg5e62d9ado"  # those of events/identity

# Runs in the fresh process. The path is Lambda's order for our purpose: layer, then the
# function's code, then what the runtime has (the venv's site-packages, after -I).
# Peak RSS is VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss over fork+exec, so
# every child would report at least the bench's own (moto, boto3) peak.
CHILD = r"""
import json, resource, sys, time
def peak_kb():
    try:
        with open("/proc/self/status") as f:
            return next(int(ln.split()[1]) for ln in f if ln.startswith("VmHWM:"))
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
layer, code, module, event_path = sys.argv[1:5]
sys.path[:0] = [layer, code]
out = {}
started = time.perf_counter()
mod = __import__(module)
out["import_ms"] = (time.perf_counter() - started) * 1000
out["import_rss_kb"] = peak_kb()
if event_path:
    class Context:
        function_name = "portico-" + module
        function_version = "$LATEST"
        memory_limit_in_mb = 512
        invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:portico"
        aws_request_id = "b7d4c0de-0000-4000-8000-000000000001"
        log_group_name = "/aws/lambda/portico"
        log_stream_name = "2026/11/26/[$LATEST]0"
        def get_remaining_time_in_millis(self):
            return 15000
    with open(event_path) as f:
        event = json.load(f)
    started = time.perf_counter()
    try:
        res = mod.lambda_handler(event, Context())
        if isinstance(res, dict) and "statusCode" in res:
            outcome = f"HTTP {res['statusCode']}"
        elif isinstance(res, dict) and "batchItemFailures" in res:
            outcome = f"{len(res['batchItemFailures'])} batch item failure(s)"
        else:
            outcome = "returned " + json.dumps(res)[:40]
    except Exception as e:
        outcome = "raised " + type(e).__name__
    out["request_ms"] = (time.perf_counter() - started) * 1000
    out["request_rss_kb"] = peak_kb()
    out["outcome"] = outcome
sys.stderr.write("@@" + json.dumps(out) + "\n")
"""


@dataclass
class Function:
    name: str
    code: Path
    env: dict[str, str]
    event: dict[str, Any] | None = None
    note: str = ""
    get_route: str = ""  # its first HTTP API GET without path parameters, if any
    error: str = ""  # why it has no figures: the build's or the import's error line


class Failed(Exception):
    """One function's build or run failed; the message is its error line."""


@dataclass
class Sample:
    import_ms: list[float] = field(default_factory=list)
    request_ms: list[float] = field(default_factory=list)
    import_rss_kb: list[int] = field(default_factory=list)
    request_rss_kb: list[int] = field(default_factory=list)
    outcomes: set[str] = field(default_factory=set)


def python312() -> Path:
    try:
        return stand_in.python312()
    except stand_in.NoPython312 as e:
        raise SystemExit(str(e)) from None


def run(cmd: list[str | Path], **kw: Any) -> subprocess.CompletedProcess[str]:
    done: subprocess.CompletedProcess[str] = subprocess.run(
        cmd, capture_output=True, text=True, check=False, **kw)
    if done.returncode != 0:
        raise SystemExit(f"{cmd} failed\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return done


def attempt(cmd: list[str | Path], **kw: Any) -> subprocess.CompletedProcess[str]:
    """`run` for one function's steps: a failure is that function's, named by its last
    error line, not the bench's."""
    done: subprocess.CompletedProcess[str] = subprocess.run(
        cmd, capture_output=True, text=True, check=False, **kw)
    if done.returncode != 0:
        lines = [ln.strip() for ln in (done.stderr or done.stdout).splitlines() if ln.strip()]
        errors = [ln for ln in lines if "Error" in ln or ln.startswith("ERROR")]
        raise Failed((errors or lines or [f"exit status {done.returncode}"])[-1])
    return done


def runtime() -> Path:
    """python3.12 with boto3 compiled, as Lambda's runtime ships it."""
    python312()
    python = stand_in.stand_in()
    site = next((RUNTIME / "lib").glob("python3.12/site-packages"))
    run([python, "-m", "compileall", "-q", "-j", "0", site])
    return python


def build_layer(out: Path, python: Path) -> Path:
    """The layer as sources only, whatever the Makefile's default; the bench compiles a copy
    itself, so both variants hold the same files."""
    machine = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch64",
               "arm64": "aarch64"}[platform.machine().lower()]
    run(["make", "-s", "-C", ROOT / "layers" / "portico", "build-PorticoLayer",
         f"ARTIFACTS_DIR={out}", f"PLATFORM=manylinux2014_{machine}",
         f"PYTHON={sys.executable}", "COMPILE=0", f"PYTHON312={python}"])
    for cache in list(out.rglob("__pycache__")):
        shutil.rmtree(cache)
    return out


def zip_round_trip(layer: Path, zipped: Path, unpacked: Path) -> tuple[int, int, Path]:
    """(unzipped bytes, zip bytes, the unpacked python/): what Lambda puts under /opt,
    timestamps included (zip keeps them to 2 s)."""
    size = 0
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as z:
        for p in sorted(layer.rglob("*")):
            if p.is_file():
                size += p.stat().st_size
                z.write(p, p.relative_to(layer))
    with zipfile.ZipFile(zipped) as z:
        for info in z.infolist():
            z.extract(info, unpacked)
            stamp = time.mktime((*info.date_time, 0, 0, -1))
            os.utime(unpacked / info.filename, (stamp, stamp))
    return size, zipped.stat().st_size, unpacked / "python"


class TemplateLoader(yaml.SafeLoader):
    pass


def _any_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    # Intrinsics (!Ref, !Sub...) only matter as "not a literal" here.
    return None


TemplateLoader.add_multi_constructor("!", _any_tag)


def functions(workdir: Path, python: Path) -> list[Function]:
    doc = yaml.load((ROOT / "template.yaml").read_text(), Loader=TemplateLoader)  # noqa: S506
    env_global = doc["Globals"]["Function"]["Environment"]["Variables"]
    found = []
    for name, res in doc["Resources"].items():
        props = res.get("Properties") or {}
        uri = str(props.get("CodeUri") or "")
        if res.get("Type") != "AWS::Serverless::Function" or not uri.startswith("functions/"):
            continue
        env = {k: str(v) for k, v in {**env_global, **(props.get("Environment") or {}).get(
            "Variables", {})}.items() if v is not None}
        gets = sorted(str(e["Properties"].get("Path")) for e in (props.get("Events") or {})
                      .values() if e.get("Type") == "HttpApi"
                      and str(e["Properties"].get("Method", "")).upper() == "GET"
                      and "{" not in str(e["Properties"].get("Path")))
        f = Function(name, workdir / name, env, get_route=gets[0] if gets else "")
        try:
            build_function(ROOT / uri, f.code, python)
        except (Failed, OSError) as e:
            f.error = f"build: {str(e).splitlines()[-1] if str(e) else type(e).__name__}"
        found.append(f)
    return sorted(found, key=lambda f: f.name)


def build_function(source: Path, code: Path, python: Path) -> None:
    """As sam build does: the function's code, copied, never the working tree; then its
    requirements.txt installed beside it for python3.12 (wheels for this machine's
    architecture, pip's own cache; the runtime stand-in has no pip), and what pip installed
    compiled by the runtime as the layer's build compiles (pip's timestamp .pyc would go
    stale once the zip rounds the files' times)."""
    if not source.is_dir():
        raise Failed(f"no folder {source.relative_to(ROOT)}")
    shutil.copytree(source, code, ignore=shutil.ignore_patterns("__pycache__"))
    requirements = code / "requirements.txt"
    if not requirements.is_file():
        return
    own = set(code.iterdir())
    attempt([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             "--no-compile", "--python-version", "3.12", "--only-binary=:all:",
             "-r", requirements, "-t", code])
    installed = sorted(set(code.iterdir()) - own)
    shutil.rmtree(code / "bin", ignore_errors=True)
    if installed:
        attempt([python, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode",
                 "unchecked-hash", *[p for p in installed if p.name != "bin"]])


def load(rel: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((ROOT / "events" / rel).read_text())
    return data


def sqs_of(body: dict[str, Any]) -> dict[str, Any]:
    return {"Records": [{
        "messageId": str(uuid.uuid4()), "receiptHandle": "AQEB", "body": json.dumps(body),
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1795428000000"},
        "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:{REGION}:123456789012:portico-workflows",
        "awsRegion": REGION}]}


def first_requests(fns: list[Function]) -> None:
    """The event each function's first request gets: real paths that end in a controlled
    answer against an empty table (moto), never a crash on a missing resource."""
    for f in fns:
        area = f.code.name.removesuffix("Function").lower()
        if area == "identity":
            f.event, f.note = load("identity/get-health.json"), "GET /health"
        elif area == "cases":
            # Signed in, unknown to the table: routing, the principal lookup (DynamoDB), 403.
            e = load("identity/get-me.json")
            e["routeKey"] = e["requestContext"]["routeKey"] = "GET /cases"
            e["rawPath"] = e["requestContext"]["http"]["path"] = "/cases"
            f.event, f.note = e, "GET /cases, unknown contact"
        elif area == "publisher":
            f.event, f.note = load("publisher/outbox-insert.json"), "outbox insert -> bus"
        elif area == "workflows":
            bus = load("domain/bus-event.json")
            bus["detail"] = load("cases/case-created.json")
            f.event, f.note = sqs_of(bus), "CaseCreated, case not in table"
        elif area == "files":
            f.event, f.note = load("files/object-created.json"), "upload of no attachment"
        elif f.get_route:
            # Like cases: routing, the principal lookup, 403 for a contact the table lacks.
            e = load("identity/get-me.json")
            e["routeKey"] = e["requestContext"]["routeKey"] = f"GET {f.get_route}"
            e["rawPath"] = e["requestContext"]["http"]["path"] = f.get_route
            f.event, f.note = e, f"GET {f.get_route}, unknown contact"


def fresh_ids(event: dict[str, Any]) -> dict[str, Any]:
    """A copy whose SQS bodies carry a new event id: idempotency would answer a repeated
    id from its record, another path than a first delivery's."""
    copy: dict[str, Any] = json.loads(json.dumps(event))
    for r in copy.get("Records", []):
        if "body" in r:
            body = json.loads(r["body"])
            body["detail"]["id"] = uuid.uuid4().hex
            r["body"] = json.dumps(body)
    return copy


def child(python: Path, layer: Path, code: Path, module: str, env: dict[str, str],
          event: Path | None) -> dict[str, Any]:
    # -B: Lambda cannot write __pycache__ under /opt or /var/task, so no run may leave
    # bytecode for the next one.
    done = attempt([python, "-I", "-B", "-c", CHILD, layer, code, module,
                    str(event or "")], cwd=code, env=env)
    line = next(ln for ln in reversed(done.stderr.splitlines()) if ln.startswith("@@"))
    result: dict[str, Any] = json.loads(line[2:])
    return result


@dataclass
class Imp:
    name: str
    self_us: int
    cum_us: int
    parent: str = "-"
    children: list[int] = field(default_factory=list)
    ours_us: int = 0  # cumulative less what the runtime's packages under it cost
    pkg: str = ""  # who pays: its top-level package, or for the stdlib, its importer's


def importtime(python: Path, layer: Path, code: Path, env: dict[str, str],
               runtime_pkgs: set[str]) -> list[Imp]:
    """Every module `import app` loads, the costliest of ours first."""
    done = attempt([python, "-I", "-B", "-X", "importtime", "-c", CHILD, layer, code, "app",
                    ""], cwd=code, env=env)
    rows: list[Imp] = []
    levels: list[int] = []
    for ln in done.stderr.splitlines():
        if not ln.startswith("import time:") or "self [us]" in ln:
            continue
        self_us, cum_us, name = ln.removeprefix("import time:").split("|")
        rows.append(Imp(name.strip(), int(self_us), int(cum_us)))
        levels.append((len(name) - len(name.lstrip()) - 1) // 2)
    # Children print before their parent: read backwards, each parent comes first.
    stack: list[int] = []
    for i in reversed(range(len(rows))):
        while stack and levels[stack[-1]] >= levels[i]:
            stack.pop()
        top = rows[i].name.split(".")[0]
        rows[i].pkg = top
        if stack:
            up = rows[stack[-1]]
            rows[i].parent = up.name
            up.children.append(i)
            if top in sys.stdlib_module_names:
                rows[i].pkg = up.pkg
        stack.append(i)
    # boto3 & co. are the runtime's, a fixed cost `import boto3` measures; what remains is
    # what our imports can change.
    for r in rows:
        r.ours_us = 0 if r.name.split(".")[0] in runtime_pkgs else (
            r.self_us + sum(rows[c].ours_us for c in r.children))
    return sorted(rows, key=lambda r: -r.ours_us)


def start_moto() -> tuple[ThreadedMotoServer, str]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    kw: dict[str, Any] = {"endpoint_url": endpoint, "region_name": REGION,
                          "aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    boto3.client("dynamodb", **kw).create_table(
        TableName=TABLE, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                   {"AttributeName": "sk", "KeyType": "RANGE"}])
    boto3.client("events", **kw).create_event_bus(Name=BUS)
    s3: Any = boto3.client("s3", **kw)
    s3.create_bucket(
        Bucket=ATTACHMENTS, CreateBucketConfiguration={"LocationConstraint": REGION})
    return server, endpoint


def med(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def main() -> None:
    began = time.perf_counter()
    python = runtime()
    work = Path(tempfile.mkdtemp(prefix="coldstart-"))
    server, endpoint = start_moto()
    try:
        fns = functions(work / "code", python)
        first_requests(fns)
        built = build_layer(work / "built", python)
        # unchecked-hash: the pyc is valid whatever the file times, which the zip rounds to
        # 2 s (a timestamp pyc may then be stale and recompiled on every cold start); and
        # the import reads no source to check it (checked-hash would hash each file). The
        # layer never changes after the build, so nothing can go stale.
        compiled = work / "compiled"
        shutil.copytree(built, compiled)
        run([python, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode",
             "unchecked-hash", compiled / "python"])
        variants: dict[str, tuple[int, int, Path]] = {}
        for label, tree in (("src", built), ("pyc", compiled)):
            variants[label] = zip_round_trip(tree, work / f"{label}.zip", work / f"opt-{label}")

        base = {"PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8", "TZ": "UTC",
                "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION,
                "AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
                # As in Lambda, so the tracer is on (X-Ray patched at import); its UDP
                # segments go nowhere.
                "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
                "_X_AMZN_TRACE_ID": "Root=1-6745a1b2-0123456789abcdef01234567;"
                                    "Parent=53995c3f42cd8ad8;Sampled=1"}
        nothing = work / "task"  # boto3 alone: a task root with no code in it
        nothing.mkdir()
        boto_env = {**base, "LAMBDA_TASK_ROOT": str(nothing)}
        for f in fns:
            area = f.env.get("POWERTOOLS_SERVICE_NAME", f.name)
            f.env = {"POWERTOOLS_METRICS_NAMESPACE": f"Portico/bench/{area}", **base, **f.env,
                     "TABLE_NAME": TABLE, "EVENT_BUS_NAME": BUS,
                     "ATTACHMENTS_BUCKET": ATTACHMENTS, "USER_POOL_ID": POOL,
                     "USER_POOL_CLIENT_ID": CLIENT, "LAMBDA_TASK_ROOT": str(f.code),
                     "AWS_LAMBDA_FUNCTION_NAME": f"portico-{f.name}",
                     "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512"}
        boto: dict[str, list[float]] = {"src": [], "pyc": []}
        samples: dict[tuple[str, str], Sample] = {}
        for label, (_, _, layer) in variants.items():
            for _ in range(RUNS):
                boto[label].append(child(python, layer, nothing, "boto3", boto_env,
                                         None)["import_ms"])
            for f in fns:
                s = samples[(f.name, label)] = Sample()
                for i in range(RUNS if not f.error else 0):
                    event_file = None
                    if f.event is not None:
                        event_file = work / f"{f.name}-{label}-{i}.json"
                        event_file.write_text(json.dumps(fresh_ids(f.event)))
                    try:
                        r = child(python, layer, f.code, "app", f.env, event_file)
                    except Failed as e:
                        f.error = f"{label} layer: {e}"
                        print(f"{f.name}: {f.error}", file=sys.stderr, flush=True)
                        break
                    s.import_ms.append(r["import_ms"])
                    s.import_rss_kb.append(r["import_rss_kb"])
                    if "request_ms" in r:
                        s.request_ms.append(r["request_ms"])
                        s.request_rss_kb.append(r["request_rss_kb"])
                        s.outcomes.add(r["outcome"])

        print(f"runtime stand-in: {python} (boto3, compiled); {platform.machine()}; "
              f"median of {RUNS} fresh processes each")
        print("layer (unzipped / zip):  " + ";  ".join(
            f"{label} {u / 2**20:.1f} MiB / {z / 2**20:.1f} MiB"
            for label, (u, z, _) in variants.items()))
        b_src, b_pyc = med(boto["src"]), med(boto["pyc"])
        print(f"import boto3 alone: src layer {b_src:.0f} ms, pyc layer {b_pyc:.0f} ms "
              f"(the layer's jmespath shadows the runtime's); targets: app <= "
              f"{2.5 * b_src:.0f} / {2.5 * b_pyc:.0f} ms")
        print()
        print(f"{'function':<18}{'import ms':>14}{'x boto3':>12}{'1st request ms':>17}"
              f"{'x import':>11}{'peak MB pyc':>14}  first request")
        print(f"{'':<18}{'src':>7}{'pyc':>7}{'src':>6}{'pyc':>6}{'src':>9}{'pyc':>8}"
              f"{'src':>6}{'pyc':>5}{'import':>8}{'+req':>6}")
        for f in fns:
            if f.error:
                print(f"{f.name:<18}{'FAILED':>7}  {f.error}")
                continue
            src, pyc = samples[(f.name, "src")], samples[(f.name, "pyc")]
            i_s, i_p = med(src.import_ms), med(pyc.import_ms)
            r_s, r_p = med(src.request_ms), med(pyc.request_ms)
            mb_i = statistics.median(pyc.import_rss_kb) / 1024
            mb_r = statistics.median(pyc.request_rss_kb or pyc.import_rss_kb) / 1024
            # Both targets, on the compiled layer.
            flag = "  " + ("OVER" if i_p > 2.5 * b_pyc or r_p > 1.5 * i_p else "ok")
            what = f"{f.note}: {', '.join(sorted(src.outcomes | pyc.outcomes))}" \
                if f.event else "skipped: no event here that runs without real resources"
            print(f"{f.name:<18}{i_s:>7.0f}{i_p:>7.0f}{i_s / b_src:>6.1f}{i_p / b_pyc:>6.1f}"
                  f"{r_s:>9.0f}{r_p:>8.0f}{r_s / i_s:>6.2f}{r_p / i_p:>5.2f}"
                  f"{mb_i:>8.0f}{mb_r:>6.0f}{flag}  {what}")
        print("(first requests go to a moto server on this machine: its answers take "
              "a few ms where AWS's take more)")

        site = next((RUNTIME / "lib").glob("python3.12/site-packages"))
        runtime_pkgs = {p.name.removesuffix(".py") for p in site.iterdir()} - {"pip"}
        print()
        print(f"top {TOP} imports (pyc layer, one `-X importtime` run), ranked by ms without "
              "the runtime's packages under them (boto3 & co.)")
        print(f"{'ours':>9}{'cum':>7}{'self':>7}  module <- imported by; then each package's "
              "self time with the stdlib it imported first")
        for f in fns:
            if f.error:
                print(f"{f.name}: no figures ({f.error})")
                continue
            try:
                rows = importtime(python, variants["pyc"][2], f.code, f.env, runtime_pkgs)
            except Failed as e:
                print(f"{f.name}: no figures ({e})")
                continue
            app = next(r for r in rows if r.name == "app")
            print(f"{f.name}: app {app.cum_us / 1000:.0f} ms, of which app.py's own body "
                  f"{app.self_us / 1000:.0f}")
            for imp in [i for i in rows if i.name != "app"][:TOP]:
                print(f"  {imp.ours_us / 1000:7.1f}{imp.cum_us / 1000:7.1f}"
                      f"{imp.self_us / 1000:7.1f}  {imp.name} <- {imp.parent}")
            # Summed self times never count a module twice, unlike the chains above.
            by_pkg: dict[str, int] = defaultdict(int)
            entry: dict[str, Imp] = {}
            for imp in rows:
                pkg = "runtime's" if imp.pkg in runtime_pkgs else imp.pkg
                by_pkg[pkg] += imp.self_us
                if imp.pkg == imp.name.split(".")[0] != imp.parent.split(".")[0] and (
                        pkg not in entry or imp.cum_us > entry[pkg].cum_us):
                    entry[pkg] = imp
            print("  by package (ms; entered from): " + ", ".join(
                f"{p} {us / 1000:.0f}" + (f" ({entry[p].parent})" if p in entry else "")
                for p, us in sorted(by_pkg.items(), key=lambda kv: -kv[1])[:6]))
        print(f"\nbench took {time.perf_counter() - began:.0f} s")
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
