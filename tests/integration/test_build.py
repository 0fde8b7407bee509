"""What deploys is what was tested: `sam build` works without Docker, and every handler it
built imports on the functions' Python with nothing but the built layer and what the Lambda
runtime provides (boto3). This catches a dependency the dev venv has and the layer lacks.

The layer is built for arm64 (template.yaml); this machine may not run arm64 code, so the
imports use the same layer recipe (layers/portico/Makefile) built for this machine's
architecture. Needs the SAM CLI (`make test` installs it into .venv-sam) and a python3.12.
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
from pathlib import Path

import pytest

from infra import runtime as runtime_stand_in
from infra.template import Template

ROOT = Path(__file__).resolve().parents[2]
SAM = ROOT / ".venv-sam" / "bin" / "sam"


def python312() -> Path:
    try:
        return runtime_stand_in.python312()
    except runtime_stand_in.NoPython312 as e:
        pytest.fail(str(e))


def run(cmd: list[str | Path], **kw: object) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, **kw)  # type: ignore[call-overload]
    assert done.returncode == 0, f"{cmd}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    result: subprocess.CompletedProcess[str] = done
    return result


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    assert SAM.exists(), "the SAM CLI is missing: `make test` installs it into .venv-sam"
    python = python312()
    out = tmp_path_factory.mktemp("sam") / "build"
    env = {**os.environ, "PATH": f"{python.parent}{os.pathsep}{os.environ['PATH']}",
           "SAM_CLI_TELEMETRY": "0"}
    if "pyenv" in str(python):  # pyenv's shims answer only for the versions selected
        env["PYENV_VERSION"] = f"{platform.python_version()}:{python.parent.parent.name}"
    # From a directory of its own: sam keeps dependency folders under ./.aws-sam, which a
    # developer's own `make build` shares and cleans.
    run([SAM, "build", "--build-dir", out, "--template", ROOT / "template.yaml"],
        cwd=out.parent, env=env)
    return out


@pytest.fixture(scope="module")
def runtime() -> Path:
    """python3.12 with boto3 and nothing else of ours, as Lambda's runtime has it."""
    python312()
    return runtime_stand_in.stand_in()


@pytest.fixture(scope="module")
def host_layer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    machine = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch64",
               "arm64": "aarch64"}[platform.machine().lower()]
    out = tmp_path_factory.mktemp("layer")
    run(["make", "-s", "-C", ROOT / "layers" / "portico", "build-PorticoLayer",
         f"ARTIFACTS_DIR={out}", f"PLATFORM=manylinux2014_{machine}",
         f"PYTHON={sys.executable}", f"PYTHON312={python312()}"])
    return out / "python"


FUNCTIONS = sorted(Template(ROOT / "template.yaml", stack_name="t", region="eu-west-1",
                            account_id="123456789012").of_type("AWS::Serverless::Function"))


def test_the_layer_leaves_out_what_the_runtime_has(built: Path) -> None:
    layer = built / "PorticoLayer" / "python"
    present = {p.name for p in layer.iterdir()}
    # boto3/botocore come with the runtime; PyJWT and cryptography only the local gateway uses.
    assert not present & {"boto3", "botocore", "jwt", "cryptography", "s3transfer"}
    assert {"portico", "aws_lambda_powertools", "pydantic", "jinja2", "aws_xray_sdk"} <= present
    assert (layer / "portico" / "templates" / "email" / "en" / "invitation.txt").exists()
    # Compiled for the runtime, so a cold start does not compile.
    assert list((layer / "portico" / "__pycache__").glob("change.cpython-312.pyc"))
    assert list((layer / "pydantic" / "__pycache__").glob("*.cpython-312.pyc"))
    size = sum(p.stat().st_size for p in layer.rglob("*") if p.is_file())
    assert size < 20 * 1024 * 1024, f"the layer is {size / 2**20:.1f} MiB unzipped"


@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_built_handler_imports_with_only_the_layer(built: Path, runtime: Path,
                                                         host_layer: Path, function: str) -> None:
    code = built / function
    assert (code / "app.py").exists(), f"sam build made no {function}"
    script = ("import sys; sys.path[:0] = [sys.argv[1], sys.argv[2]]; import app; "
              "assert callable(app.lambda_handler)")
    env = {"PATH": os.environ["PATH"], "AWS_REGION": "eu-west-1",
           "AWS_DEFAULT_REGION": "eu-west-1", "POWERTOOLS_SERVICE_NAME": function,
           "TABLE_NAME": "t"}
    run([runtime, "-I", "-c", script, str(host_layer), str(code)], cwd=code, env=env)


@pytest.mark.parametrize("function", FUNCTIONS)
def test_a_functions_own_libraries_travel_with_it(built: Path, function: str) -> None:
    props = Template(ROOT / "template.yaml", stack_name="t", region="eu-west-1",
                     account_id="123456789012").properties(function)
    wanted = ROOT / str(props["CodeUri"]) / "requirements.txt"
    names = [re.split(r"[<>=!~\[ ]", line, maxsplit=1)[0].strip()
             for line in (wanted.read_text().splitlines() if wanted.exists() else [])
             if line.strip() and not line.startswith("#")]
    for name in names:
        dist = name.replace("-", "_").lower()
        assert [p for p in (built / function).glob("*.dist-info")
                if p.name.lower().startswith(dist + "-")], f"{function} lacks {name}"
