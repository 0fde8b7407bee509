"""`make run` as a person uses it: start, health, sign in as a demo user, /me, the events a
back office would read, stop."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import boto3
import pytest
import requests

from infra.local import ROOT
from tests.conftest import wait_for


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_make_run_serves_the_portal_and_stops_cleanly(tmp_path: Path) -> None:
    assert shutil.which("make"), "make is needed to run the portal"
    state = tmp_path / "local.json"
    proc = subprocess.Popen(["make", "--no-print-directory", "run", "PORTICO_PORT=0",
                             f"STATE={state}"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    # Read as a terminal does, all along: a pipe left full would stall the portal's logging.
    lines: list[str] = []

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 150
        while not state.exists():
            assert proc.poll() is None, "make run exited:\n" + "".join(lines[-40:])
            assert time.monotonic() < deadline, "make run was not ready in time"
            time.sleep(0.1)
        info = json.loads(state.read_text())
        assert set(info) >= {"url", "api_url", "aws_endpoint", "region", "user_pool_id",
                             "client_id", "table", "bus", "buckets", "users"}
        assert len(info["users"]) == 9
        assert {r for u in info["users"] for r in u["roles"]} == {
            "admin", "agent", "account_manager", "contact", "billing", "partner"}

        assert requests.get(info["api_url"] + "/health", timeout=5).json()["status"] == "ok"
        page = requests.get(info["url"], timeout=5)
        assert page.status_code == 200
        assert "Portico" in page.text
        config = requests.get(info["url"] + "config.json", timeout=5).json()
        assert config["cognito"]["clientId"] == info["client_id"]

        user = next(u for u in info["users"] if u["roles"] == ["account_manager"])
        idp = boto3.client("cognito-idp", endpoint_url=info["aws_endpoint"],
                           region_name=info["region"], aws_access_key_id="x",
                           aws_secret_access_key="x")
        tokens = idp.initiate_auth(
            ClientId=info["client_id"], AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": user["email"], "PASSWORD": user["password"]},
        )["AuthenticationResult"]
        me = requests.get(info["api_url"] + "/me", timeout=5,
                          headers={"Authorization": f"Bearer {tokens['AccessToken']}"})
        assert me.status_code == 200
        assert me.json()["email"] == user["email"]
        assert me.json()["roles"] == ["account_manager"]

        # The demo data's events reach the integration feed, which make run reads to a file.
        (feed,) = map(Path, info["feeds"])
        assert feed.name == "integration-events.ndjson"
        assert wait_for(lambda: feed.exists() and "ContactJoined" in feed.read_text(),
                        timeout=30), "the integration feed was not read"
        events = [json.loads(line) for line in feed.read_text().splitlines()]
        assert {e["source"] for e in events} == {"portico"}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            reader.join(timeout=5)
            pytest.fail("make run did not stop within 60 s of SIGTERM:\n"
                        + "".join(lines[-60:]))
        reader.join(timeout=5)
    output = "".join(lines)
    assert "Portico is running at" in output
    assert "manager@northwind.example" in output
    assert "Portico stopped." in output
    assert "Traceback" not in output
