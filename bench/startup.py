"""How long the local portal takes to be ready: moto, resources from template.yaml, demo data,
gateway and event sources (what `make run` waits for, after its install step).

Prints the figure for each of a few starts in fresh processes, and the median.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 3


def one_start() -> tuple[float, float]:
    """(seconds from process start to the state file, seconds the cloud reports)."""
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "local.json"
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "infra.local", "--port", "0",
                                 "--state", str(state)], cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            while not state.exists():
                if proc.poll() is not None:
                    raise SystemExit("the local cloud exited before it was ready")
                if time.perf_counter() - started > 60:
                    raise SystemExit("not ready after 60 s")
                time.sleep(0.02)
            wall = time.perf_counter() - started
            reported = float(json.loads(state.read_text())["ready_seconds"])
        finally:
            proc.terminate()
            proc.wait(timeout=15)
        return wall, reported


def main() -> None:
    walls = []
    for i in range(RUNS):
        wall, reported = one_start()
        walls.append(wall)
        print(f"start {i + 1}: ready in {wall:.2f} s (process start to state file; "
              f"{reported:.2f} s inside the process)")
    print(f"median ready: {statistics.median(walls):.2f} s (target < 15 s)")


if __name__ == "__main__":
    main()
