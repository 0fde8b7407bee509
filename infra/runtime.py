"""A stand-in for Lambda's python3.12 runtime: python3.12 with boto3 and nothing of ours,
shared by the build test and the cold-start bench (`build/runtime-python3.12`)."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNTIME = ROOT / "build" / "runtime-python3.12"


class NoPython312(RuntimeError):
    pass


def python312() -> Path:
    """A python3.12 of this machine (apt's or pyenv's): the functions' runtime."""
    found = shutil.which("python3.12", path=os.environ.get("PATH"))
    candidates = ([Path(found)] if found else []) + sorted(
        Path.home().glob(".pyenv/versions/3.12*/bin/python3.12"))
    for c in candidates:
        if subprocess.run([c, "--version"], capture_output=True, check=False).returncode == 0:
            return c
    raise NoPython312("no python3.12 here: the functions run on python3.12 (apt or pyenv)")


def _run(cmd: list[str | Path]) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"{cmd}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")


def stand_in() -> Path:
    """The stand-in's python, made once. The venv has no pip of its own (its ensurepip step
    failed now and then under a busy test run, saying nothing); this process's pip puts
    boto3 into it for python3.12. Made beside its place and renamed into it, under a lock:
    two processes at once (test workers, a bench) would otherwise build one venv over the
    other, and a half-made one must never look finished."""
    python = RUNTIME / "bin" / "python"
    if (RUNTIME / ".ready").exists():
        return python
    RUNTIME.parent.mkdir(parents=True, exist_ok=True)
    with open(RUNTIME.with_name(RUNTIME.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (RUNTIME / ".ready").exists():
            return python
        making = RUNTIME.with_name(f"{RUNTIME.name}.{os.getpid()}")
        shutil.rmtree(making, ignore_errors=True)
        _run([python312(), "-m", "venv", "--without-pip", making])
        site = next((making / "lib").glob("python3.12/site-packages"))
        _run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
              "--target", site, "--python-version", "3.12", "--only-binary=:all:", "boto3"])
        (making / ".ready").touch()
        shutil.rmtree(RUNTIME, ignore_errors=True)
        making.rename(RUNTIME)
    return python
