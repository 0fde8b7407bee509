"""What principal resolution adds to a request: the contact read behind the token's `sub`,
cached in the function for 60 s. Against the local cloud (moto over loopback HTTP, so one
DynamoDB read costs what moto costs, not what DynamoDB costs).

Prints p50/p99 of `resolve()` alone, uncached and cached, and of `GET /accounts/{id}`
through the local gateway with the cache cold and warm.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from infra.local import LocalCloud
from portico import principal

ROUNDS = 300


def timed(fn: Callable[[], object], before: Callable[[], object] = lambda: None) -> list[float]:
    out = []
    for _ in range(ROUNDS):
        before()
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def show(name: str, ms: list[float]) -> None:
    q = statistics.quantiles(ms, n=100)
    print(f"{name:<44} p50 {q[49]:6.2f} ms   p99 {q[98]:6.2f} ms   (n={len(ms)})")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, \
            LocalCloud(port=0, site_dir=Path(tmp), run_workers=False) as cloud:
        user = next(u for u in cloud.users if u["email"] == "partner@fabrikam.example")
        contact = next(u for u in cloud.users if u["email"] == "contact@northwind.example")
        with cloud.functions["IdentityFunction"].environment():
            show("resolve() uncached, customer contact",
                 timed(lambda: principal.resolve(contact["contact_id"]), principal.cache.clear))
            show("resolve() uncached, partner (+ delegations)",
                 timed(lambda: principal.resolve(user["contact_id"]), principal.cache.clear))
            show("resolve() cached",
                 timed(lambda: principal.resolve(contact["contact_id"])))

        http = cloud.signed_in(contact["email"])
        url = f"{cloud.api_url}/accounts/acc-northwind"

        def get() -> None:
            assert http.get(url, timeout=5).status_code == 200

        cold = timed(get, principal.cache.clear)
        warm = timed(get)
        show("GET /accounts/{id}, principal cache cold", cold)
        show("GET /accounts/{id}, principal cache warm", warm)
        print(f"added by resolution (cold - warm p50): "
              f"{statistics.median(cold) - statistics.median(warm):.2f} ms")


if __name__ == "__main__":
    main()
