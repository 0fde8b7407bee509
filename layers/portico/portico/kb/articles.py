"""Knowledge-base articles: staff write drafts, admins publish and archive, readers read
the published text their audience allows.

An article is one record for all its translations. Its `draft` is what staff edit; its
`live` text is what readers see, copied from the draft when an admin publishes, so an edit
never goes live unreviewed. Each save keeps the previous draft as a version. Who may read
a published article is its audience: `public` (anyone, signed in or not) or a list of
roles; to anyone else it does not exist, in lists or by slug. Publishing and archiving
record `ArticlePublished` / `ArticleArchived`, which the search index follows.
"""

from __future__ import annotations

import uuid
from typing import Any

from portico import access, change, clock, keys, store
from portico.access import Owner, Privilege
from portico.errors import Conflict, Forbidden, NotFound
from portico.kb import imports, models, render
from portico.principal import Principal

R, C, U, D = Privilege.READ, Privilege.CREATE, Privilege.UPDATE, Privilege.DELETE
OWNER = Owner(account_id="")  # articles are the operator's


def is_staff(p: Principal | None) -> bool:
    return p is not None and access.allows(p, "article", R, OWNER)


def roles_of(p: Principal | None) -> frozenset[str]:
    return frozenset() if p is None else frozenset(p.roles)


def readable(item: dict[str, Any], p: Principal | None) -> bool:
    """A published article the reader's roles reach (anonymous readers: public only)."""
    if item.get("status") != "published" or "live" not in item:
        return False
    audience = item.get("audience", "public")
    return audience == "public" or bool(roles_of(p) & set(audience))


def _load(article: str) -> dict[str, Any]:
    """An article by its id or its slug (slugs never look like ids)."""
    if not models.ARTICLE_ID.fullmatch(article):
        pointer = store.get(keys.article_slug(article))
        if pointer is None:
            raise NotFound("No such article.")
        article = str(pointer["article_id"])
    item = store.get(keys.article(article), consistent=True)
    if item is None:
        raise NotFound("No such article.")
    return item


def _text(translations: dict[str, Any], lang: str) -> tuple[models.ArticleText, bool]:
    """The translation in `lang`, or else English, or else any: and whether it fell back."""
    chosen = lang if lang in translations else (
        "en" if "en" in translations else sorted(translations)[0])
    t = translations[chosen]
    return models.ArticleText(lang=chosen, title=t["title"], summary=t.get("summary", ""),
                              body=t["body"], html=t["html"]), chosen != lang


def _shown(item: dict[str, Any], p: Principal | None) -> dict[str, Any]:
    """The translations the reader sees: staff the draft they work on, readers the
    published text."""
    return dict(item["draft"] if is_staff(p) or "live" not in item else item["live"])


def out(item: dict[str, Any], p: Principal | None, lang: str) -> models.Article:
    staff = is_staff(p)
    translations = _shown(item, p)
    text, fell_back = _text(translations, lang)
    return models.Article(
        id=item["id"], slug=item["slug"], external_id=item.get("external_id"),
        category=item["category"], tags=list(item.get("tags") or []),
        audience=item.get("audience", "public"), status=item["status"],
        languages=sorted(translations), text=text, fallback=fell_back,
        author=item.get("author_name", ""), updated_at=item["updated_at"],
        published_at=item.get("published_at"), version=int(item["version"]),
        stats=_stats(item) if staff else None)


def _stats(item: dict[str, Any]) -> models.Stats:
    return models.Stats(helpful=int(item.get("helpful", 0)),
                        not_helpful=int(item.get("not_helpful", 0)),
                        deflections=int(item.get("deflections", 0)))


def get(p: Principal | None, slug: str, lang: str) -> models.Article:
    item = _load(slug)
    if not (is_staff(p) or readable(item, p)):
        raise NotFound("No such article.")
    return out(item, p, lang)


def list_articles(p: Principal | None, *, category: str | None, lang: str,
                  status: str | None, cursor: str | None, limit: int) -> models.ArticlePage:
    """Articles by category and slug. Readers get the published ones their audience
    allows (filtered in the query); staff any status."""
    if status and status != "published" and not is_staff(p):
        raise access.forbidden("article")
    where, names, values = None, {}, {}
    if not is_staff(p):
        held = sorted(roles_of(p))
        parts = ["#public = :yes"] + [f"contains(#roles, :r{i})" for i in range(len(held))]
        where = "(" + " OR ".join(parts) + ")"
        names = {"#public": "public", **({"#roles": "roles"} if held else {})}
        values = {":yes": True, **{f":r{i}": r for i, r in enumerate(held)}}
    items, nxt = store.query_page(
        keys.articles_by_status(status or "published")["gsi1pk"], index="gsi1",
        sk_prefix=f"{category}#" if category else None, limit=limit, cursor=cursor,
        where=where, where_names=names, where_values=values)
    out_items = []
    for i in items:
        text, _ = _text(_shown(i, p), lang)
        out_items.append(models.ArticleSummary(
            id=i["id"], slug=i["slug"], category=i["category"], title=text.title,
            summary=text.summary, lang=text.lang, status=i["status"],
            updated_at=i["updated_at"]))
    return models.ArticlePage(items=out_items, next_cursor=nxt)


# -- writing ------------------------------------------------------------------------------
def _translations(new: models.ArticleIn) -> dict[str, Any]:
    return {lang: {"title": t.title, "summary": t.summary, "body": t.body,
                   "html": render.html(t.body)} for lang, t in new.translations.items()}


def _audience(new: models.ArticleIn) -> dict[str, Any]:
    public = new.audience == "public"
    return {"audience": "public" if public else sorted(set(new.audience)), "public": public,
            "roles": [] if public else sorted(set(new.audience))}


def _staff_only(p: Principal) -> None:
    if not is_staff(p):
        raise access.forbidden("article")


def _slug_taken(slug: str) -> Conflict:
    return Conflict(f"Another article has the slug {slug!r}.", details={"slug": slug})


def create(p: Principal, new: models.ArticleIn, *, external_id: str | None = None,
           request_id: str | None = None) -> dict[str, Any]:
    _staff_only(p)
    article_id = uuid.uuid4().hex
    c = change.by(p, "article", article_id, OWNER, C)
    at = clock.stamp()
    item: dict[str, Any] = {
        **keys.article(article_id), **keys.articles_by_status("draft", new.category, new.slug),
        "type": "Article", "id": article_id, "slug": new.slug, "category": new.category,
        "tags": sorted(set(new.tags)), **_audience(new), "status": "draft",
        "draft": _translations(new), "external_id": external_id,
        "author_id": p.contact_id, "author_name": p.name or p.email,
        "created_at": at, "updated_at": at, "version": 1, "helpful": 0, "not_helpful": 0,
    }
    c.create(item)
    c.create({**keys.article_slug(new.slug), "type": "ArticleSlug", "article_id": article_id},
             conflict=_slug_taken(new.slug))
    if external_id:
        c.create({**keys.article_external(external_id), "type": "ArticleExternal",
                  "article_id": article_id},
                 conflict=Conflict("An article has this import id.",
                                   details={"external_id": external_id}))
    c.event("ArticleDrafted", {"article_id": article_id, "slug": new.slug})
    c.audit("create", {"slug": {"after": new.slug}, "category": {"after": new.category},
                       "languages": {"after": sorted(new.translations)}})
    c.commit()
    return item


def update(p: Principal, article_id: str, new: models.ArticleUpdate) -> dict[str, Any]:
    _staff_only(p)
    current = _load(article_id)
    article_id = current["id"]
    c = change.by(p, "article", article_id, OWNER, U)
    if current["status"] == "archived":
        raise Conflict("The article is archived; publish it again to edit it.",
                       details={"status": "archived"})
    at = clock.stamp()
    fields = {"slug": new.slug, "category": new.category, "tags": sorted(set(new.tags)),
              **_audience(new), "draft": _translations(new), "updated_at": at,
              **keys.articles_by_status(current["status"], new.category, new.slug)}
    c.update(keys.article(article_id), version=new.version, set_=fields)
    # The draft before this save, kept as its version.
    c.create({**keys.article_version(article_id, int(current["version"])),
              "type": "ArticleVersion", "draft": current["draft"], "saved_at": at,
              "saved_by": p.contact_id})
    if new.slug != current["slug"]:
        c.delete(keys.article_slug(current["slug"]))
        c.create({**keys.article_slug(new.slug), "type": "ArticleSlug",
                  "article_id": article_id}, conflict=_slug_taken(new.slug))
    changed = [k for k in ("slug", "category", "tags", "audience", "draft")
               if current.get(k) != fields[k]]
    c.event("ArticleEdited", {"article_id": article_id, "fields": changed})
    c.audit("update", {k: {"before": current.get(k) if k != "draft" else "(text)",
                           "after": fields[k] if k != "draft" else "(text)"}
                       for k in changed})
    c.commit()
    return {**current, **fields, "version": new.version + 1}


def _publication(p: Principal, article_id: str, privilege: Privilege
                 ) -> tuple[change.Change, dict[str, Any]]:
    _staff_only(p)
    current = _load(article_id)  # a missing article is 404 before an agent's 403
    if not access.allows(p, "publication", privilege, OWNER):
        raise Forbidden("Only an admin publishes or archives articles.")
    return change.by(p, "publication", current["id"], OWNER, privilege), current


def publish(p: Principal, article_id: str, version: int) -> dict[str, Any]:
    """Put the draft live, as read at `version`."""
    c, current = _publication(p, article_id, C)
    article_id = current["id"]
    at = clock.stamp()
    c.update(keys.article(article_id), version=version,
             set_={"status": "published", "live": current["draft"], "published_at": at,
                   "updated_at": at, **keys.articles_by_status(
                       "published", current["category"], current["slug"])})
    c.event("ArticlePublished", {"article_id": article_id, "slug": current["slug"]})
    c.audit("publish", {"status": {"before": current["status"], "after": "published"}})
    c.commit()
    return {**current, "status": "published", "live": current["draft"], "published_at": at,
            "updated_at": at, "version": version + 1}


def archive(p: Principal, article_id: str, version: int) -> dict[str, Any]:
    c, current = _publication(p, article_id, D)
    article_id = current["id"]
    if current["status"] == "archived":
        raise Conflict("The article is archived already.", details={"status": "archived"})
    at = clock.stamp()
    c.update(keys.article(article_id), version=version,
             set_={"status": "archived", "updated_at": at, **keys.articles_by_status(
                 "archived", current["category"], current["slug"])},
             remove=["live"])
    c.event("ArticleArchived", {"article_id": article_id, "slug": current["slug"]})
    c.audit("archive", {"status": {"before": current["status"], "after": "archived"}})
    c.commit()
    current.pop("live", None)
    return {**current, "status": "archived", "updated_at": at, "version": version + 1}


def vote(p: Principal, article_id: str, feedback: models.Feedback) -> models.Vote:
    """One vote per contact and article; voting again changes it."""
    item = _load(article_id)
    article_id = item["id"]
    if not readable(item, p):
        raise NotFound("No such article.")
    previous = store.get(keys.article_vote(article_id, p.contact_id), consistent=True)
    c = change.system("article", article_id, OWNER, request_id=p.request_id,
                      actor=change.actor_of(p))
    field = "helpful" if feedback.helpful else "not_helpful"
    counts = {field: 1}
    if previous is not None:
        if previous["helpful"] == feedback.helpful and \
                previous.get("comment", "") == feedback.comment:
            return _vote_out(article_id, item, feedback.helpful)
        was = "helpful" if previous["helpful"] else "not_helpful"
        counts = {f: counts.get(f, 0) - (1 if f == was else 0)
                  for f in {field, was}}
    c.put({**keys.article_vote(article_id, p.contact_id), "type": "ArticleVote",
           "helpful": feedback.helpful, "comment": feedback.comment,
           "account_id": p.account_id, "at": clock.stamp()})
    deltas = {k: v for k, v in counts.items() if v}
    if deltas:
        c.update(keys.article(article_id), add=dict(deltas))
    c.event("ArticleFeedback", {"article_id": article_id, "helpful": feedback.helpful,
                                "changed": previous is not None})
    c.audit("feedback", {"helpful": {"before": previous["helpful"] if previous else None,
                                     "after": feedback.helpful}})
    c.commit()
    for k, v in deltas.items():
        item[k] = int(item.get(k, 0)) + v
    return _vote_out(article_id, item, feedback.helpful)


def _vote_out(article_id: str, item: dict[str, Any], helpful: bool) -> models.Vote:
    return models.Vote(article_id=article_id, helpful=helpful, stats=_stats(item))


def deflected(p: Principal, article_id: str) -> None:
    """A customer opened the article from the new-case form's suggestions and left without
    sending the case: a case the article saved. Counted once per contact and article."""
    item = _load(article_id)
    if not readable(item, p):
        raise NotFound("No such article.")
    article_id = item["id"]
    c = change.system("article", article_id, OWNER, request_id=p.request_id,
                      actor=change.actor_of(p))
    c.create({**keys.article_deflection(article_id, p.contact_id), "type": "Deflection",
              "account_id": p.account_id, "at": clock.stamp()},
             conflict=Conflict("Counted already.", details={"counted": True}))
    c.update(keys.article(article_id), add={"deflections": 1})
    c.event("CaseDeflected", {"article_id": article_id, "account_id": p.account_id})
    c.audit("deflection", {"deflections": {"after": int(item.get("deflections", 0)) + 1}})
    try:
        c.commit()
    except Conflict as e:
        if not (isinstance(e.details, dict) and e.details.get("counted")):
            raise


def published() -> list[dict[str, Any]]:
    """Every published article as stored (for the search index)."""
    pk = keys.articles_by_status("published")["gsi1pk"]
    return store.query_all(pk, index="gsi1", limit=1_000_000)


def import_lines(p: Principal, text: str | None, *, publish: bool) -> imports.Imported:
    """An admin's bulk import (admins publish, so they import)."""
    _staff_only(p)
    if not access.allows(p, "publication", C, OWNER):
        raise Forbidden("Only an admin imports articles.")
    return imports.run(text or "", publish=publish,
                       author=imports.Author(p.contact_id, p.name or p.email),
                       begin=lambda change_id: change.by(p, "publication", change_id, OWNER,
                                                         C))
