"""Knowledge-base articles through the local gateway: authoring, publishing, who reads
what (public without a token, role-restricted never to anyone else), language fallback,
sanitized bodies, versions and feedback."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

from infra.local import LocalCloud
from portico import keys
from tests.conftest import Portal, listen

ADMIN = "admin@portico.example"
AGENT = "agent@portico.example"
NED = "contact@northwind.example"
NORA = "manager@northwind.example"
PARTNER = "partner@fabrikam.example"


def draft(portal: Portal, **over: Any) -> dict[str, Any]:
    body = {"slug": f"article-{uuid.uuid4().hex[:8]}", "category": "general",
            "translations": {"en": {"title": "Printer offline",
                                    "body": "Restart the **print spooler**."}}, **over}
    r = portal.request("POST", "/kb/articles", as_user=AGENT, json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


def publish(portal: Portal, article: dict[str, Any]) -> dict[str, Any]:
    r = portal.request("POST", f"/kb/articles/{article['id']}/publish", as_user=ADMIN,
                       json={"version": article["version"]})
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_demo_articles_are_published_and_public_without_a_token(portal: Portal) -> None:
    page = portal.get("/kb/public/articles")
    assert page.status_code == 200
    slugs = {a["slug"] for a in page.json()["items"]}
    assert {"reset-your-password", "read-your-invoice", "book-a-meeting-room"} <= slugs
    assert "partner-escalation-guide" not in slugs
    one = portal.get("/kb/public/articles/reset-your-password?lang=fi").json()
    assert one["text"]["title"] == "Salasanan vaihtaminen"
    assert one["fallback"] is False
    assert "<strong>Unohditko salasanasi?</strong>" in one["text"]["html"]
    assert "stats" not in one or one["stats"] is None


def test_a_missing_translation_falls_back_and_says_so(portal: Portal) -> None:
    r = portal.get("/kb/articles/book-a-meeting-room?lang=fi", as_user=NED).json()
    assert r["text"]["lang"] == "en"
    assert r["fallback"] is True
    assert r["languages"] == ["en"]


def test_role_restricted_articles_reach_only_their_roles(portal: Portal) -> None:
    assert portal.get("/kb/articles/partner-escalation-guide", as_user=PARTNER).status_code \
        == 200
    for path, user in (("/kb/articles/partner-escalation-guide", NED),
                       ("/kb/public/articles/partner-escalation-guide", None)):
        r = portal.get(path, as_user=user) if user else portal.get(path)
        assert r.status_code == 404
    listed = {a["slug"] for a in portal.get("/kb/articles?category=partners",
                                            as_user=NED).json()["items"]}
    assert listed == set()
    assert {a["slug"] for a in portal.get("/kb/articles?category=partners",
                                          as_user=PARTNER).json()["items"]} \
        == {"partner-escalation-guide"}


def test_drafts_are_staffs_until_an_admin_publishes(portal: Portal, cloud: LocalCloud) -> None:
    a = draft(portal)
    assert a["status"] == "draft"
    assert portal.get(f"/kb/articles/{a['slug']}", as_user=NED).status_code == 404
    assert portal.get(f"/kb/articles/{a['slug']}", as_user=AGENT).status_code == 200
    # An agent writes; only an admin puts it live.
    agent_try = portal.request("POST", f"/kb/articles/{a['id']}/publish", as_user=AGENT,
                               json={"version": a["version"]})
    assert agent_try.status_code == 403
    with listen(cloud, type=["ArticlePublished"], data={"article_id": [a["id"]]}) as events:
        live = publish(portal, a)
        assert events.collect()[0]["detail"]["data"]["slug"] == a["slug"]
    assert live["status"] == "published"
    assert portal.get(f"/kb/public/articles/{a['slug']}").status_code == 200
    # An edit stays a draft: readers keep the published text until the next publish.
    body = {"slug": a["slug"], "category": "general", "translations": {
        "en": {"title": "Printer offline", "body": "Call the **help desk** instead."}},
        "version": live["version"]}
    edited = portal.request("PUT", f"/kb/articles/{a['id']}", as_user=AGENT, json=body)
    assert edited.status_code == 200, edited.text
    assert "help desk" in edited.json()["text"]["html"]
    assert "print spooler" in portal.get(f"/kb/articles/{a['slug']}",
                                         as_user=NED).json()["text"]["html"]
    stale = portal.request("PUT", f"/kb/articles/{a['id']}", as_user=AGENT, json=body)
    assert stale.status_code == 409
    publish(portal, edited.json())
    assert "help desk" in portal.get(f"/kb/articles/{a['slug']}",
                                     as_user=NED).json()["text"]["html"]
    with cloud.functions["KnowledgeBaseFunction"].environment():
        from portico import store
        versions = store.query_all(f"ARTICLE#{a['id']}", sk_prefix="VERSION#")
    assert len(versions) == 1
    assert "print spooler" in versions[0]["draft"]["en"]["body"]
    # Archived: gone for readers, kept for staff.
    current = portal.get(f"/kb/articles/{a['id']}", as_user=ADMIN).json()
    gone = portal.request("POST", f"/kb/articles/{a['id']}/archive", as_user=ADMIN,
                          json={"version": current["version"]})
    assert gone.status_code == 200
    assert portal.get(f"/kb/articles/{a['slug']}", as_user=NED).status_code == 404
    assert portal.get(f"/kb/articles/{a['slug']}", as_user=AGENT).json()["status"] \
        == "archived"


def test_a_slug_is_one_articles(portal: Portal) -> None:
    a = draft(portal)
    r = portal.request("POST", "/kb/articles", as_user=AGENT, json={
        "slug": a["slug"], "category": "general",
        "translations": {"en": {"title": "Twin", "body": "Same slug."}}})
    assert r.status_code == 409
    assert r.json()["error"]["details"] == {"slug": a["slug"]}
    looks_like_id = portal.request("POST", "/kb/articles", as_user=AGENT, json={
        "slug": "0" * 32, "category": "general",
        "translations": {"en": {"title": "Sneaky", "body": "An id as a slug."}}})
    assert looks_like_id.status_code == 422


def test_no_script_rides_in_an_article(portal: Portal) -> None:
    a = publish(portal, draft(portal, translations={"en": {
        "title": "Hostile body",
        "body": "<script>alert(1)</script>\n\n[click](javascript:alert(2))\n\n"
                "<img src=x onerror=alert(3)>\n\n![ok](https://example.com/a.png)"}}))
    html = portal.get(f"/kb/public/articles/{a['slug']}").json()["text"]["html"]
    assert "<script" not in html
    assert 'href="javascript' not in html
    assert "<img src=x" not in html
    assert '<img src="https://example.com/a.png"' in html


def test_one_vote_per_contact_and_staff_see_the_counts(portal: Portal,
                                                      cloud: LocalCloud) -> None:
    a = publish(portal, draft(portal))
    url = f"/kb/articles/{a['id']}/feedback"
    first = portal.request("POST", url, as_user=NED, json={"helpful": True})
    assert first.status_code == 200, first.text
    assert first.json()["stats"] == {"helpful": 1, "not_helpful": 0, "deflections": 0}
    again = portal.request("POST", url, as_user=NED, json={"helpful": True})
    assert again.json()["stats"]["helpful"] == 1
    changed = portal.request("POST", url, as_user=NED,
                             json={"helpful": False, "comment": "Did not work."})
    assert changed.json()["stats"] == {"helpful": 0, "not_helpful": 1, "deflections": 0}
    other = portal.request("POST", url, as_user=NORA, json={"helpful": True})
    assert other.json()["stats"] == {"helpful": 1, "not_helpful": 1, "deflections": 0}
    staff = portal.get(f"/kb/articles/{a['id']}", as_user=AGENT).json()
    assert staff["stats"] == {"helpful": 1, "not_helpful": 1, "deflections": 0}
    with cloud.functions["KnowledgeBaseFunction"].environment():
        from portico import store
        vote = store.get(keys.article_vote(a["id"], next(
            u["contact_id"] for u in cloud.users if u["email"] == NED)))
    assert vote is not None
    assert vote["comment"] == "Did not work."
    # A restricted article cannot be voted on by those it does not reach.
    hidden = portal.request("POST", "/kb/articles/partner-escalation-guide/feedback",
                            as_user=NED, json={"helpful": True})
    assert hidden.status_code == 404


def test_a_deflection_counts_once_per_contact(portal: Portal) -> None:
    a = publish(portal, draft(portal))
    url = f"/kb/articles/{a['slug']}/deflection"
    assert portal.request("POST", url, as_user=NED).status_code == 204
    assert portal.request("POST", url, as_user=NED).status_code == 204
    assert portal.request("POST", url, as_user=NORA).status_code == 204
    assert portal.get(f"/kb/articles/{a['id']}", as_user=AGENT).json()["stats"][
        "deflections"] == 2
    assert portal.request("POST", "/kb/articles/partner-escalation-guide/deflection",
                          as_user=NED).status_code == 404


def _ndjson(*lines: dict[str, Any]) -> str:
    return "\n".join(json.dumps(line) for line in lines) + "\n"


def test_import_publishes_and_reimport_updates_never_duplicates(portal: Portal) -> None:
    run = uuid.uuid4().hex[:6]
    body = _ndjson(
        {"id": f"zd-{run}-1", "title": "Printer jams on tray 2", "body": "Open tray 2.",
         "category": "hardware", "lang": "en", "audience": "public"},
        {"id": f"zd-{run}-1", "title": "Tulostin jumittaa", "body": "Avaa lokero 2.",
         "category": "hardware", "lang": "fi", "audience": "public"},
        {"id": f"zd-{run}-2", "title": "Partner price list", "body": "Ask your manager.",
         "category": "partners", "audience": ["partner"]})
    headers = {"Content-Type": "application/x-ndjson"}
    r = portal.request("POST", "/kb/import?publish=true", as_user=ADMIN, data=body,
                       headers=headers)
    assert r.status_code == 200, r.text
    assert r.json() == {"articles": 2, "created": 2, "updated": 0, "published": True}
    found = [a for a in portal.get("/kb/public/articles?category=hardware&limit=100").json()[
        "items"] if a["title"] == "Printer jams on tray 2"]
    assert len(found) == 1
    one = portal.get(f"/kb/public/articles/{found[0]['slug']}?lang=fi").json()
    assert one["external_id"] == f"zd-{run}-1"
    assert one["text"]["title"] == "Tulostin jumittaa"
    # The partner-only one is not public.
    assert not [a for a in portal.get("/kb/public/articles?category=partners").json()["items"]
                if a["title"] == "Partner price list"]
    again = portal.request("POST", "/kb/import?publish=true", as_user=ADMIN, headers=headers,
                           data=_ndjson({"id": f"zd-{run}-1", "title": "Printer jams on tray 2",
                                         "body": "Open tray 2 and pull gently.",
                                         "category": "hardware"}))
    assert again.json() == {"articles": 1, "created": 0, "updated": 1, "published": True}
    html = portal.get(f"/kb/public/articles/{found[0]['slug']}").json()["text"]["html"]
    assert "pull gently" in html


def test_an_import_with_a_bad_line_imports_nothing(portal: Portal) -> None:
    run = uuid.uuid4().hex[:6]
    body = _ndjson({"id": f"bad-{run}", "title": "Fine article", "body": "Fine.",
                    "category": "general"}) + '{"id": "x", "title": null}\nnot json\n'
    r = portal.request("POST", "/kb/import", as_user=ADMIN, data=body,
                       headers={"Content-Type": "application/x-ndjson"})
    assert r.status_code == 422
    assert [p["line"] for p in r.json()["error"]["details"]] == [2, 3]
    assert not [a for a in portal.get("/kb/articles?status=draft&category=general&limit=100",
                                      as_user=ADMIN).json()["items"]
                if a["title"] == "Fine article"]
    # Agents write but do not import; JSON is not NDJSON; 5 MB is the most.
    assert portal.request("POST", "/kb/import", as_user=AGENT, data=body,
                          headers={"Content-Type": "application/x-ndjson"}).status_code == 403
    assert portal.request("POST", "/kb/import", as_user=ADMIN,
                          json={"id": "x"}).status_code == 415
    big = "x" * (5 * 1024 * 1024 + 1)
    assert portal.request("POST", "/kb/import", as_user=ADMIN, data=big,
                          headers={"Content-Type": "application/x-ndjson"}).status_code == 413


def test_the_import_command_reads_a_file(portal: Portal, cloud: LocalCloud,
                                         tmp_path: Path) -> None:
    run = uuid.uuid4().hex[:6]
    state = tmp_path / "local.json"
    state.write_text(json.dumps(cloud.info()))
    export = tmp_path / "export.ndjson"
    export.write_text(_ndjson(*({"id": f"cmd-{run}-{i}", "title": f"Command article {i}",
                                 "body": "Imported by the operator.", "category": "cmd"}
                                for i in range(45))))
    done = subprocess.run([sys.executable, "-m", "portico.kb", "import", str(export),
                           "--publish", "--local", str(state)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "imported 45 articles (45 new, 0 updated), published" in done.stdout
    listed = portal.get("/kb/public/articles?category=cmd&limit=100").json()["items"]
    assert len([a for a in listed if a["title"].startswith("Command article")]) >= 45
