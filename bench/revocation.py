"""How long an access token keeps working after "sign out everywhere".

Two windows, both measured through the local gateway with a real token:
- the instance that handled the sign-out (it drops its cached contact): the next request;
- another function instance that cached the contact just before (locally every function
  shares one process and one cache, so the bench puts the stale entry back, as a separate
  Lambda instance would hold it): until its cache entry ages out, PRINCIPAL_CACHE_SECONDS.
The second is the bound a deployed portal gives; API Gateway itself knows nothing of it.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from infra.local import LocalCloud
from portico import keys, principal, store


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, \
            LocalCloud(port=0, site_dir=Path(tmp), run_workers=False) as cloud:
        user = next(u for u in cloud.users if u["email"] == "contact@northwind.example")
        http = cloud.signed_in(user["email"])
        ttl = float(cloud.functions["CasesFunction"].env["PRINCIPAL_CACHE_SECONDS"])
        assert http.get(f"{cloud.api_url}/cases").status_code == 200
        with cloud.functions["CasesFunction"].environment():
            stale = store.get(keys.contact(user["contact_id"]))
        time.sleep(1.05 - time.time() % 1)  # a token of the sign-out's own second passes

        started = time.perf_counter()
        assert http.post(f"{cloud.api_url}/me/sign-out").status_code == 204
        signed_out = time.perf_counter()
        while http.get(f"{cloud.api_url}/cases").status_code != 401:
            time.sleep(0.01)
        same = time.perf_counter() - signed_out
        print(f"{'sign-out answered':<52} {1000 * (signed_out - started):8.1f} ms")
        print(f"{'old token refused, instance that signed out':<52} {1000 * same:8.1f} ms")

        # Another instance cached the contact a moment before the sign-out.
        cached_at = time.monotonic()
        principal.cache.put(f"contact:{user['contact_id']}", stale, ttl, now=cached_at)
        while http.get(f"{cloud.api_url}/cases").status_code != 401:
            time.sleep(0.25)
        other = time.monotonic() - cached_at
        print(f"{'old token refused, instance with a warm cache':<52} {other:8.1f} s"
              f"   (PRINCIPAL_CACHE_SECONDS={ttl:g})")


if __name__ == "__main__":
    main()
