"""The stack's Lambda functions, run in this process.

Each function gets its own environment from template.yaml (Globals merged with its own) and
is imported under it, as Lambda would. Invocations take turns: one process has one
os.environ, and a local portal has no need for parallel invocations. The API goes first:
on AWS an event source's invocations run beside the API's and never delay a request.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from infra.template import Template


class Turn:
    """Whose turn it is to run a function: one invocation at a time, and a waiting API
    request (or a test's or command's `environment()`) before any background invocation.
    A background invocation does not start while a request waits, so a request waits at
    most for the one already running; the event sources keep those short (see
    infra/workers.py). Reentrant: code holding a turn may invoke a function.

    Background invocations may wait for as long as requests keep coming back to back; with
    people at the keyboard there are gaps, and the event sources catch up in them.
    """

    def __init__(self) -> None:
        self._changed = threading.Condition(threading.Lock())
        self._owner: int | None = None
        self._depth = 0
        self._urgent = 0  # foreground threads waiting for a turn

    @contextmanager
    def __call__(self, *, background: bool = False) -> Iterator[None]:
        me = threading.get_ident()
        with self._changed:
            if self._owner == me:
                self._depth += 1
            else:
                if not background:
                    self._urgent += 1
                try:
                    while self._owner is not None or (background and self._urgent):
                        self._changed.wait()
                finally:
                    if not background:
                        self._urgent -= 1
                self._owner, self._depth = me, 1
        try:
            yield
        finally:
            with self._changed:
                self._depth -= 1
                if self._depth == 0:
                    self._owner = None
                    self._changed.notify_all()


_turn = Turn()


@dataclass
class LambdaContext:
    function_name: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    timeout_s: int
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = "local"
    _deadline: float = 0.0

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_s
        self.log_group_name = f"/aws/lambda/{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@contextmanager
def environment(env: Mapping[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class Function:
    def __init__(self, logical_id: str, name: str, arn: str, code: Path, handler: str,
                 env: dict[str, str], timeout: int, memory: int,
                 events: dict[str, dict[str, Any]]) -> None:
        self.logical_id = logical_id
        self.name = name
        self.arn = arn
        self.code = code
        self.handler = handler
        self.env = env
        self.timeout = timeout
        self.memory = memory
        self.events = events
        self._module: ModuleType | None = None
        self.invocations = 0
        self.last_seconds = 0.0  # how long the last invocation held the turn

    def _load(self) -> ModuleType:
        if self._module is None:
            module_file, _ = self.handler.rsplit(".", 1)
            path = self.code / (module_file.replace(".", "/") + ".py")
            spec = importlib.util.spec_from_file_location(
                f"functions_{self.logical_id}_{module_file}", path)
            if spec is None or spec.loader is None:
                raise ImportError(f"cannot load {path}")
            module = importlib.util.module_from_spec(spec)
            # Imported as Lambda imports it: registered, so pydantic resolves its annotations.
            sys.modules[spec.name] = module
            spec.loader.exec_module(module)
            self._module = module
        return self._module

    @contextmanager
    def environment(self) -> Iterator[None]:
        """Run domain code as this function would (tests, operator commands)."""
        with _turn(), environment(self.env):
            yield

    def invoke(self, event: dict[str, Any], *, background: bool = False) -> Any:
        """Run the handler with this function's environment, as one Lambda invocation.
        `background`: an event source's, which gives way to the API's (see Turn)."""
        with _turn(background=background), environment(self.env):
            started = time.perf_counter()
            try:
                module = self._load()
                fn = getattr(module, self.handler.rsplit(".", 1)[1])
                context = LambdaContext(function_name=self.name,
                                        memory_limit_in_mb=self.memory,
                                        invoked_function_arn=self.arn, timeout_s=self.timeout)
                self.invocations += 1
                return fn(event, context)
            finally:
                self.last_seconds = time.perf_counter() - started


def load_functions(t: Template, *, base_env: Mapping[str, str]) -> dict[str, Function]:
    functions: dict[str, Function] = {}
    for lid in t.of_type("AWS::Serverless::Function"):
        if lid not in t.physical:
            continue
        props = t.properties(lid)
        env_vars = t.resolve(props["Environment"]["Variables"])
        env = {**base_env, **{k: str(v) for k, v in env_vars.items()},
               "AWS_LAMBDA_FUNCTION_NAME": t.physical[lid].ref,
               "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(props.get("MemorySize", 128))}
        events = {name: {"Type": e["Type"], "Properties": t.resolve(e.get("Properties") or {})}
                  for name, e in (props.get("Events") or {}).items()}
        functions[lid] = Function(
            logical_id=lid,
            name=t.physical[lid].ref,
            arn=t.physical[lid].attrs["Arn"],
            code=(t.root / props["CodeUri"]).resolve(),
            handler=props["Handler"],
            env=env,
            timeout=int(props.get("Timeout", 3)),
            memory=int(props.get("MemorySize", 128)),
            events=events,
        )
    return functions
