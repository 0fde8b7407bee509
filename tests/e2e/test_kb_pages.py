"""The knowledge-base pages in a real browser: a visitor who is not signed in reads a public
article in either language and never sees a partner's; a contact's double click votes once;
an agent writes a draft an admin publishes and a contact then reads, with the HTML someone
typed shown as text; the Finnish article page fits a phone."""

from __future__ import annotations

import re
import time
import uuid

from playwright.sync_api import Browser, BrowserContext, Page, Request, Route, ViewportSize, expect

from infra.local import LocalCloud
from tests.conftest import Portal
from tests.e2e.conftest import Problems, axe_violations, ready, shot, sign_in

NORTHWIND = "contact@northwind.example"
CONTOSO = "contact@contoso.example"  # Finnish
PARTNER_GUIDE = "Partner escalation guide"
PHONE: ViewportSize = {"width": 360, "height": 740}


def _wide(page: Page) -> int:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    return width


def _context(browser: Browser, cloud: LocalCloud, problems: Problems,
             viewport: ViewportSize | None = None) -> BrowserContext:
    """Another person's browser, whose console errors fail the test like the main page's."""
    context = browser.new_context(base_url=cloud.url,
                                  viewport=viewport or {"width": 1280, "height": 800})
    context.on("console", problems.console)
    context.on("weberror", lambda e: problems.items.append(f"page error: {e.error}"))
    return context


def _signed_in(context: BrowserContext, email: str) -> Page:
    page = context.new_page()
    sign_in(page, email)
    expect(page.locator("#user-name")).to_be_visible()
    return page


def _posts(page: Page, ending: str) -> list[Request]:
    seen: list[Request] = []
    page.on("request", lambda r: seen.append(r) if r.method == "POST"
            and r.url.split("?")[0].endswith(ending) else None)
    return seen


def test_visitor_reads_public_articles(page: Page, portal: Portal) -> None:
    page.goto("/kb/")
    ready(page)
    expect(page.get_by_role("heading", name="Knowledge base", level=1)).to_be_visible()
    expect(page.get_by_text("You are reading the public articles.")).to_be_visible()
    expect(page.locator("#categories").get_by_role("link", name="Billing and invoices")
           ).to_be_visible()
    articles = page.locator("#articles")
    expect(articles.get_by_role("link", name="Book a meeting room")).to_be_visible()
    expect(page.locator("#list-count")).to_have_text("3 articles")
    expect(articles.get_by_role("link", name=PARTNER_GUIDE)).to_have_count(0)

    # A category lists its own articles.
    page.locator("#categories").get_by_role("link", name="Account and sign-in").click()
    ready(page)
    expect(page.get_by_role("heading", name="Articles in Account and sign-in")).to_be_visible()
    expect(page.locator("#articles .kb-item")).to_have_count(1)
    page.get_by_role("link", name="Reset your password").click()
    ready(page)
    expect(page.get_by_role("heading", name="Reset your password", level=1)).to_be_visible()
    expect(page.locator("#article-body strong")).to_have_text("Forgot your password?")
    expect(page.locator("#article-body ol li")).to_have_count(3)
    expect(page.locator("#fallback")).to_be_hidden()
    # The other translation is a click away, the portal staying in English.
    page.get_by_role("button", name="Suomi").click()
    expect(page.get_by_role("heading", name="Salasanan vaihtaminen", level=1)).to_be_visible()
    expect(page.locator("#article-main")).to_have_attribute("lang", "fi")
    expect(page.get_by_role("button", name="Suomi")).to_have_attribute("aria-pressed", "true")
    # Voting needs an account; the visitor is told how.
    expect(page.get_by_role("link", name="Sign in to tell us whether this helped")).to_be_visible()
    expect(page.get_by_role("button", name="Yes")).to_be_hidden()
    assert axe_violations(page) == []

    # A partner's article does not exist for a visitor, nor for a customer's contact.
    page.goto("/kb/article/?slug=partner-escalation-guide")
    ready(page)
    expect(page.get_by_role("alert")).to_contain_text("for signed-in customers only")
    expect(page.get_by_role("heading", name=PARTNER_GUIDE)).to_have_count(0)
    assert portal.get("/kb/public/articles/partner-escalation-guide").status_code == 404
    assert portal.get("/kb/articles/partner-escalation-guide",
                      as_user=NORTHWIND).status_code == 404


def test_contact_votes_once_and_comments(page: Page) -> None:
    sign_in(page, NORTHWIND)
    expect(page.locator("#user-name")).to_be_visible()
    page.goto("/kb/")
    ready(page)
    expect(page.locator("#list-count")).to_have_text("3 articles")
    expect(page.locator("#articles").get_by_role("link", name=PARTNER_GUIDE)).to_have_count(0)
    expect(page.get_by_text("You are reading the public articles.")).to_be_hidden()
    page.get_by_role("link", name="How to read your invoice").click()
    ready(page)
    expect(page.get_by_role("heading", name="How to read your invoice", level=1)).to_be_visible()
    expect(page.locator("#article-body table th").first).to_have_text("Line")
    votes = _posts(page, "/feedback")
    page.get_by_role("button", name="Yes").dblclick()
    expect(page.get_by_role("status").filter(has_text="Thank you! Glad it helped.")).to_be_visible()
    assert len(votes) == 1, [r.url for r in votes]
    assert votes[0].post_data_json == {"helpful": True}
    page.get_by_label("What could be better? (optional)").fill(
        "A picture of an invoice would help.")
    page.get_by_role("button", name="Send the comment").dblclick()
    expect(page.locator("#thanks")).to_have_text("Thank you, your comment reached us.")
    assert len(votes) == 2
    assert votes[1].post_data_json == {"helpful": True,
                                       "comment": "A picture of an invoice would help."}
    # A contact sees no staff figures.
    expect(page.locator("#staff-panel")).to_be_hidden()


def test_agent_drafts_admin_publishes_contact_reads(page: Page, browser: Browser,
                                                   cloud: LocalCloud, portal: Portal) -> None:
    slug = f"export-your-data-{uuid.uuid4().hex[:6]}"
    sign_in(page, "agent@portico.example")
    expect(page.locator("#user-name")).to_be_visible()
    page.goto("/kb/")
    ready(page)
    page.get_by_role("link", name="Write a new article").click()
    ready(page)
    expect(page.get_by_role("heading", name="New article", level=1)).to_be_visible()
    save = page.get_by_role("button", name="Save draft")
    # Told by the field, in words, before anything is sent.
    page.get_by_label("Address (slug)").fill("Export Your Data")
    save.click()
    expect(page.locator("#slug-error")).to_contain_text("Use only lower-case letters")
    expect(page.locator("#translations-error")).to_contain_text("at least one language")

    page.get_by_label("Address (slug)").fill(slug)
    page.get_by_label("Category").fill("account")
    page.get_by_label("Tags (optional)").fill("export, data")
    english = page.locator("fieldset[data-lang=en]")
    english.get_by_label("Title").fill("Export your data")
    english.get_by_label("Summary (optional)").fill("Download everything we keep about you.")
    body = ("Open **Profile** and choose *Export*.\n\n"
            "<script>window.kbInjected = true</script>\n\n- one file\n- per account")
    english.get_by_label("Text (Markdown)").fill(body)
    preview = english.locator(".kb-preview")
    expect(preview.locator("strong")).to_have_text("Profile")
    expect(preview.locator("li")).to_have_count(2)
    expect(preview).to_contain_text("<script>window.kbInjected = true</script>")
    finnish = page.locator("fieldset[data-lang=fi]")
    finnish.get_by_label("Title").fill("Tietojen vienti")
    finnish.get_by_label("Text (Markdown)").fill("Avaa **Profiili** ja valitse *Vie*.")

    creates = _posts(page, "/kb/articles")
    save.dblclick()
    expect(page.locator("#editor-status")).to_contain_text("The draft “Export your data” is saved")
    assert len(creates) == 1, [r.url for r in creates]
    expect(page).to_have_url(re.compile(r"/kb/edit/\?id=[0-9a-f]{32}$"))
    article_id = page.url.rsplit("=", 1)[1]
    expect(page.locator("#article-state")).to_have_text("Draft, version 1")
    # An agent may not publish: the button says why it is off.
    expect(page.get_by_role("button", name="Publish")).to_be_disabled()
    expect(page.locator("#publish-hint")).to_contain_text("Only an administrator publishes")
    assert axe_violations(page) == []
    # Not yet for customers.
    assert portal.get(f"/kb/articles/{slug}", as_user=NORTHWIND).status_code == 404

    problems = Problems()
    admin_context = _context(browser, cloud, problems)
    admin = _signed_in(admin_context, "admin@portico.example")
    admin.goto(f"/kb/edit/?id={article_id}")
    ready(admin)
    expect(admin.get_by_label("Address (slug)")).to_have_value(slug)
    expect(admin.locator("fieldset[data-lang=fi]").get_by_label("Title")
           ).to_have_value("Tietojen vienti")
    publishes = _posts(admin, "/publish")
    admin.get_by_role("button", name="Publish", exact=True).dblclick()
    expect(admin.locator("#editor-status")).to_contain_text("“Export your data” is published")
    assert len(publishes) == 1
    expect(admin.locator("#article-state")).to_have_text("Published, version 2")
    admin.get_by_role("link", name="View the article").click()
    ready(admin)
    expect(admin.locator("#staff-panel")).to_be_visible()
    expect(admin.locator("#article-status")).to_have_text("Published")
    expect(admin.locator("#stat-helpful")).to_have_text("0")
    expect(admin.get_by_role("link", name="Edit the article Export your data")).to_have_attribute(
        "href", f"/kb/edit/?id={article_id}")
    admin_context.close()

    reader_context = _context(browser, cloud, problems)
    reader = _signed_in(reader_context, NORTHWIND)
    reader.goto("/kb/?category=account")
    ready(reader)
    reader.get_by_role("link", name="Export your data").click()
    ready(reader)
    expect(reader.get_by_role("heading", name="Export your data", level=1)).to_be_visible()
    body_box = reader.locator("#article-body")
    expect(body_box.locator("strong")).to_have_text("Profile")
    # What someone typed as HTML is shown as text, and nothing of it runs.
    expect(body_box).to_contain_text("<script>window.kbInjected = true</script>")
    expect(body_box.locator("script")).to_have_count(0)
    assert reader.evaluate("window.kbInjected") is None
    expect(reader.locator("#staff-panel")).to_be_hidden()
    reader_context.close()
    assert problems.items == [], problems.items


def test_finnish_article_fits_a_phone_and_says_when_it_falls_back(
        browser: Browser, cloud: LocalCloud) -> None:
    problems = Problems()
    context = _context(browser, cloud, problems, PHONE)
    page = context.new_page()
    # Signed out: the Finnish page of an English-only article says so.
    page.goto("/fi/kb/article/?slug=book-a-meeting-room")
    ready(page)
    expect(page.get_by_role("heading", name="Book a meeting room", level=1)).to_be_visible()
    expect(page.locator("#fallback")).to_have_text(
        "Artikkelia ei ole vielä saatavilla kielellä suomi, joten se näytetään kielellä englanti.")
    expect(page.locator("#article-main")).to_have_attribute("lang", "en")
    expect(page.locator("#languages")).to_be_hidden()
    assert _wide(page) <= PHONE["width"], f"{_wide(page)}px wide at 360px"

    # Signed in as a Finnish contact: the article in Finnish, fitting the phone.
    page = _signed_in(context, CONTOSO)
    for path in ("/fi/kb/article/?slug=reset-your-password", "/fi/kb/"):
        page.goto(path)
        ready(page)
        assert page.locator("html").get_attribute("lang") == "fi"
        if "article" in path:
            expect(page.get_by_role("heading", name="Salasanan vaihtaminen", level=1)
                   ).to_be_visible()
            expect(page.get_by_role("button", name="Kyllä")).to_be_visible()
            # The details panel comes first on a phone.
            details = page.locator(".kb-details").bounding_box()
            title = page.locator("#article-title").bounding_box()
            assert details
            assert title
            assert details["y"] < title["y"]
        else:
            expect(page.locator("#articles .kb-item").first).to_be_visible()
        assert _wide(page) <= PHONE["width"], f"{path} is {_wide(page)}px wide at 360px"
        assert axe_violations(page) == [], path
        shot(page, "phone-fi-kb" + ("-article" if "article" in path else ""))
    context.close()
    assert problems.items == [], problems.items


def _indexed(portal: Portal, q: str, slug: str) -> None:
    """Wait for the search index to hold the demo's articles (built after each publish)."""
    deadline = time.monotonic() + 30
    answer = None
    while time.monotonic() < deadline:
        answer = portal.get("/kb/public/search", params={"q": q})
        if answer.ok and any(hit["slug"] == slug for hit in answer.json()["items"]):
            return
        time.sleep(0.5)
    raise AssertionError(f"{slug} is not in the search index: {answer and answer.text}")


def _deflections(portal: Portal, slug: str) -> int:
    stats = portal.get(f"/kb/articles/{slug}", as_user="admin@portico.example").json()["stats"]
    count: int = stats["deflections"]
    return count


def test_search_finds_an_article(page: Page, portal: Portal) -> None:
    _indexed(portal, "password", "reset-your-password")
    page.goto("/kb/")
    ready(page)
    page.get_by_label("Search the knowledge base").fill("forgotten password")
    page.get_by_label("Search the knowledge base").press("Enter")
    expect(page).to_have_url(re.compile(r"/kb/search/\?q=forgotten\+password$"))
    ready(page)
    expect(page.get_by_label("Search the knowledge base")).to_have_value("forgotten password")
    first = page.locator("#results .kb-item").first
    expect(first.get_by_role("link")).to_have_text("Reset your password")
    expect(first.locator(".snippet mark").first).to_be_visible()
    expect(page.locator("#result-count")).to_contain_text("“forgotten password”")
    # Nothing found teaches what to do next.
    page.get_by_label("Search the knowledge base").fill("qwzxv")
    page.get_by_role("button", name="Search").click()
    ready(page)
    expect(page.locator("#results-empty")).to_contain_text("No articles match “qwzxv”")
    expect(page.locator("#results-empty").get_by_role("link", name="Browse the categories")
           ).to_be_visible()
    assert axe_violations(page) == []


def test_new_case_form_suggests_and_counts_the_answer(page: Page, portal: Portal,
                                                      browser: Browser,
                                                      cloud: LocalCloud) -> None:
    _indexed(portal, "password", "reset-your-password")
    before = _deflections(portal, "reset-your-password")
    sign_in(page, NORTHWIND)
    expect(page.locator("#user-name")).to_be_visible()
    page.goto("/cases/")
    ready(page)
    page.get_by_label("Subject").fill("I forgot my password")
    suggestions = page.locator("#kb-suggestions")
    expect(suggestions.get_by_role("heading")).to_have_text("Articles that may answer this")
    suggestions.get_by_role("button", name="Reset your password").click()
    opened = page.locator(".kb-opened")
    expect(opened.get_by_role("heading", name="Reset your password")).to_be_visible()
    expect(opened.locator("strong")).to_have_text("Forgot your password?")
    assert axe_violations(page) == []
    deflections = _posts(page, "/deflection")
    opened.get_by_role("button", name="This answered my question").dblclick()
    expect(page).to_have_url(re.compile(r"/kb/article/\?slug=reset-your-password&answered=1$"))
    ready(page)
    expect(page.locator("#answered")).to_contain_text("No case was opened")
    assert len(deflections) == 1
    assert _deflections(portal, "reset-your-password") == before + 1

    # Another customer reads a suggestion, then leaves the form without sending: counted.
    problems = Problems()
    context = _context(browser, cloud, problems)
    other = _signed_in(context, "manager@northwind.example")
    other.goto("/cases/")
    ready(other)
    other.get_by_label("Subject").fill("How do I read the invoice lines")
    other.locator("#kb-suggestions").get_by_role("button", name="How to read your invoice").click()
    expect(other.locator(".kb-opened").get_by_role("heading")).to_have_text(
        "How to read your invoice")
    before = _deflections(portal, "read-your-invoice")
    other.goto("/")
    deadline = time.monotonic() + 10
    while _deflections(portal, "read-your-invoice") == before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _deflections(portal, "read-your-invoice") == before + 1
    context.close()
    assert problems.items == [], problems.items


def test_article_loads_with_skeletons_and_says_when_slow(page: Page) -> None:
    held: list[Route] = []
    page.route(re.compile(r"/kb/public/articles/read-your-invoice\?"),
               lambda route: held.append(route))
    page.clock.install()
    page.goto("/kb/article/?slug=read-your-invoice")
    expect(page.locator("#article-loading .skeleton").first).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_be_hidden()
    page.clock.fast_forward(11_000)
    expect(page.get_by_role("status")).to_contain_text("This is taking longer than usual.")
    expect(page.get_by_role("button", name="Try again")).to_be_visible()
    assert len(held) == 1
    held[0].continue_()
    expect(page.get_by_role("heading", name="How to read your invoice", level=1)).to_be_visible()
    expect(page.get_by_text("This is taking longer than usual.")).to_be_hidden()
    expect(page.locator("#article-loading .skeleton")).to_have_count(0)


def test_without_search_routes_the_pages_browse_by_category(page: Page) -> None:
    """A deployment whose search has not arrived: the gateway's bare 404 for its routes."""
    page.route(re.compile(r"/kb/public/(search|categories|suggest)\b"),
               lambda route: route.fulfill(status=404, json={"message": "Not Found"}))
    page.goto("/kb/")
    ready(page)
    expect(page.locator("form.kb-search")).to_be_hidden()
    expect(page.locator("#categories").get_by_role("link", name="Billing and invoices")
           ).to_be_visible()
    expect(page.locator("#categories")).to_contain_text("(1)")
    page.goto("/kb/search/?q=invoice")
    ready(page)
    expect(page.locator("#search-unavailable")).to_contain_text("Search is not available yet.")
    expect(page.locator("form.kb-search")).to_be_hidden()
    expect(page.locator("#search-unavailable").get_by_role("link", name="Browse the categories")
           ).to_be_visible()
