"""The portal's frame in a real browser: sign-in, menus by role, invitations, profile,
account management, language, small screens, accessibility."""

from __future__ import annotations

import re
import uuid

import pytest
from moto.cognitoidp.models import cognitoidp_backends
from playwright.sync_api import Browser, Page, expect

from infra.local import ACCOUNT_ID, LocalCloud
from infra.seed import DEMO_PASSWORD
from portico.identity import directory
from tests.conftest import Portal
from tests.e2e.conftest import ready, shot, sign_in

NEW_PASSWORD = "Fresh-Pass-2026!"
MENU = {"dashboard": "Dashboard", "cases": "Cases", "kb": "Knowledge base",
        "invoices": "Invoices", "bookings": "Bookings", "notifications": "Notifications",
        "account": "Account", "profile": "Profile"}
ROLES = {
    "contact": "contact@northwind.example",
    "account_manager": "manager@northwind.example",
    "billing": "billing@northwind.example",
    "partner": "partner@fabrikam.example",
    "agent": "agent@portico.example",
    "admin": "admin@portico.example",
}


def menu(page: Page) -> list[str]:
    nav = page.locator("#nav")
    expect(nav).to_be_visible()
    return [t.strip() for t in nav.get_by_role("link").all_inner_texts()]


@pytest.mark.parametrize("role", list(ROLES))
def test_each_role_sees_its_menu(page: Page, portal: Portal, role: str) -> None:
    email = ROLES[role]
    sign_in(page, email)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
    sections = portal.get("/me", as_user=email).json()["sections"]
    # Waited for: on a busy machine the menu may still be filling when the heading shows.
    expect(page.locator("#nav").get_by_role("link")).to_have_text(
        [MENU[s] for s in MENU if s in sections])
    shown = set(menu(page))
    # Plain facts of the access table, as a person would check them.
    assert ("Account" in shown) == (role in ("account_manager", "agent", "admin"))
    assert ("Invoices" in shown) == (role in ("account_manager", "billing", "admin"))
    assert "Cases" in shown  # the billing role opens and follows billing cases


def test_wrong_password_says_so_and_stays(page: Page) -> None:
    sign_in(page, "contact@northwind.example", "Wrong-Password-1!")
    expect(page.get_by_role("alert")).to_have_text("Wrong e-mail or password.")
    expect(page).to_have_url(re.compile(r"/signin/"))
    expect(page.get_by_label("Password", exact=True)).to_be_focused()


def test_disabled_login_is_told_plainly(page: Page, portal: Portal, cloud: LocalCloud) -> None:
    person = _join(portal, "acc-northwind", "manager@northwind.example")
    cloud.client("cognito-idp").admin_disable_user(UserPoolId=cloud.resource("UserPool"),
                                                   Username=person)
    sign_in(page, person, NEW_PASSWORD)
    expect(page.get_by_role("alert")).to_contain_text("disabled")


def test_protected_page_sends_to_sign_in_and_back(page: Page) -> None:
    page.goto("/profile/")
    expect(page).to_have_url(re.compile(r"/signin/\?next=%2Fprofile%2F"))
    ready(page)
    page.get_by_label("E-mail").fill("contact@northwind.example")
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Your profile")).to_be_visible()


def test_a_page_the_role_may_not_use_is_politely_refused(page: Page) -> None:
    sign_in(page, "contact@northwind.example")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
    page.goto("/account/")
    expect(page.get_by_role("heading", name="Not available")).to_be_visible()
    expect(page.get_by_role("link", name="Back to the dashboard")).to_be_visible()
    assert "Traceback" not in page.content()


def _join(portal: Portal, account: str, inviter: str) -> str:
    email = f"e2e-{uuid.uuid4().hex[:8]}@example.com"
    r = portal.request("POST", f"/accounts/{account}/invitations", as_user=inviter,
                       json={"email": email, "roles": ["contact"]})
    token = r.json()["link"].split("token=")[1]
    accepted = portal.request("POST", f"/invitations/{token}/accept",
                              json={"password": NEW_PASSWORD, "name": "Eve Example"})
    assert accepted.status_code == 200, accepted.text
    return email


def test_invitation_acceptance_end_to_end(page: Page, portal: Portal) -> None:
    email = f"invited-{uuid.uuid4().hex[:8]}@example.com"
    r = portal.request("POST", "/accounts/acc-northwind/invitations",
                       as_user="manager@northwind.example",
                       json={"email": email, "roles": ["billing"]})
    link = r.json()["link"]
    page.goto(link)
    ready(page)
    expect(page.get_by_text("You are invited to Northwind Traders as Billing.")).to_be_visible()
    expect(page.get_by_label("Your e-mail")).to_have_value(email)
    # The password's rules stand under the password field, not under the name.
    boxes = {name: page.locator(sel).bounding_box() for name, sel in
             (("name", "#name"), ("password", "#password"), ("rules", "#invite-rules"))}
    assert all(boxes.values())
    assert boxes["rules"]["y"] > boxes["password"]["y"] > boxes["name"]["y"]  # type: ignore[index]
    page.get_by_label("Your name").fill("Ina Invited")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Accept the invitation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Ina Invited")
    assert "Invoices" in menu(page)
    # The link is spent.
    page.goto(link)
    expect(page.get_by_role("alert")).to_contain_text("can no longer be used")


def test_profile_edit(page: Page, portal: Portal) -> None:
    email = _join(portal, "acc-northwind", "manager@northwind.example")
    sign_in(page, email, NEW_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Profile").click()
    ready(page)
    page.get_by_label("Name", exact=True).fill("Eve Edited")
    page.get_by_label("Phone").fill("+358 40 111 2222")
    page.get_by_role("checkbox", name="Invoices E-mail").uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Your profile is saved.")
    page.reload()
    expect(page.get_by_label("Name", exact=True)).to_have_value("Eve Edited")
    expect(page.get_by_role("checkbox", name="Invoices E-mail")).not_to_be_checked()
    expect(page.locator("#user-name")).to_have_text("Eve Edited")
    token = portal.tokens(email, NEW_PASSWORD)["AccessToken"]
    me = portal.get("/me", token=token).json()
    assert me["phone"] == "+358 40 111 2222"
    assert me["notification_preferences"]["invoices"] == {"email": False, "digest": False}


def test_manager_invites_a_colleague_who_then_signs_in(page: Page, browser: Browser,
                                                       cloud: LocalCloud) -> None:
    sign_in(page, "manager@northwind.example")
    page.get_by_role("link", name="Account").click()
    ready(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Account: Northwind Traders")
    expect(page.get_by_role("row", name=re.compile("Ned Northwind"))).to_be_visible()
    colleague = f"colleague-{uuid.uuid4().hex[:8]}@northwind.example"
    form = page.locator("#invite-form")
    form.get_by_label("E-mail").fill(colleague)
    form.get_by_role("checkbox", name="Contact").check()
    form.get_by_role("button", name="Send the invitation").click()
    link = page.locator("#invite-link")
    expect(link).to_contain_text("/invite/?token=")
    expect(page.locator("#invitations").get_by_role("row", name=re.compile(colleague))
           ).to_contain_text("Pending")
    href = link.get_attribute("href")
    assert href

    other = browser.new_context(base_url=cloud.url)
    colleague_page = other.new_page()
    colleague_page.goto(href)
    ready(colleague_page)
    colleague_page.get_by_label("Your name").fill("Col League")
    colleague_page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    colleague_page.get_by_label("New password again").fill(NEW_PASSWORD)
    colleague_page.get_by_role("button", name="Accept the invitation").click()
    expect(colleague_page.get_by_role("heading", level=1)).to_have_text("Welcome, Col League")
    colleague_page.get_by_role("button", name="Sign out").click()
    expect(colleague_page).to_have_url(re.compile(r"/signin/"))
    sign_in(colleague_page, colleague, NEW_PASSWORD)
    expect(colleague_page.get_by_role("heading", level=1)).to_have_text("Welcome, Col League")
    other.close()

    page.reload()
    invitations = page.locator("#invitations")
    expect(invitations.get_by_role("row", name=re.compile(colleague))).to_contain_text("Accepted")


def test_manager_disables_a_colleague(page: Page, portal: Portal) -> None:
    email = _join(portal, "acc-northwind", "manager@northwind.example")
    sign_in(page, "manager@northwind.example")
    expect(page.locator("#user-name")).to_be_visible()
    page.goto("/account/")
    ready(page)
    row = page.locator("#people").get_by_role("row", name=re.compile(email))
    row.get_by_role("checkbox", name=re.compile("Active")).uncheck()
    row.get_by_role("button", name=re.compile("Save")).click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    # Signing in again works at Cognito but reaches nothing.
    portal.forget(email)
    token = portal.tokens(email, NEW_PASSWORD)["AccessToken"]
    assert portal.get("/me", token=token).status_code == 403


def test_switch_to_finnish_is_remembered(page: Page, portal: Portal) -> None:
    email = _join(portal, "acc-northwind", "manager@northwind.example")
    sign_in(page, email, NEW_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
    page.get_by_role("link", name="Suomeksi").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tervetuloa, Eve Example")
    expect(page).to_have_url(re.compile(r"/fi/$"))
    assert page.locator("html").get_attribute("lang") == "fi"
    assert menu(page)[0] == "Etusivu"
    page.goto("/profile/")  # an English address: the remembered language wins
    expect(page).to_have_url(re.compile(r"/fi/profile/$"))
    token = portal.tokens(email, NEW_PASSWORD)["AccessToken"]
    assert portal.get("/me", token=token).json()["language"] == "fi"


def test_profile_language_applies_at_sign_in(page: Page) -> None:
    sign_in(page, "manager@contoso.example")  # Kaisa's profile says Finnish
    expect(page.get_by_role("heading", level=1)).to_have_text("Tervetuloa, Kaisa Contoso")


def test_dashboard_widgets_hide_and_reorder_and_stay(page: Page, portal: Portal) -> None:
    email = _join(portal, "acc-northwind", "manager@northwind.example")
    sign_in(page, email, NEW_PASSWORD)
    expect(page.locator("#user-name")).to_be_visible()
    ready(page)
    widgets = page.locator("#widgets h2")
    expect(widgets.first).to_be_visible()
    first = widgets.all_inner_texts()
    page.get_by_role("button", name="Customize the dashboard").click()
    page.get_by_role("button", name=f"Move {first[1]} up").click()
    expect(page.get_by_role("status")).to_have_text("Dashboard saved.")
    page.get_by_role("button", name=f"Hide {first[0]}").click()
    expect(page.get_by_role("button", name=f"Show {first[0]}")).to_be_visible()
    page.reload()
    expect(widgets.first).to_have_text(first[1])
    assert first[0] not in widgets.all_inner_texts()
    saved = portal.get("/me", token=portal.tokens(email, NEW_PASSWORD)["AccessToken"]).json()
    assert saved["dashboard"]["widgets"][0]["id"] != saved["dashboard"]["widgets"][1]["id"]


def test_keyboard_only_sign_in(page: Page) -> None:
    page.goto("/signin/")
    ready(page)
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.get_by_label("E-mail").focus()
    page.keyboard.type("contact@northwind.example")
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")


def test_forgot_password(page: Page, portal: Portal, cloud: LocalCloud) -> None:
    email = _join(portal, "acc-northwind", "manager@northwind.example")
    page.goto("/signin/")
    page.get_by_role("link", name="Forgot your password?").click()
    ready(page)
    page.get_by_label("E-mail", exact=True).fill(email)
    page.get_by_role("button", name="Send the code").click()
    expect(page.get_by_label("Code from the e-mail")).to_be_visible()
    pool = cognitoidp_backends[ACCOUNT_ID][cloud.region].user_pools[cloud.resource("UserPool")]
    page.get_by_label("Code from the e-mail").fill("moto-confirmation-code:000000")
    page.get_by_label("New password", exact=True).fill("Reset-Pass-2026!")
    page.get_by_role("button", name="Reset password").click()
    expect(page.get_by_role("alert")).to_have_text("The code is wrong or has expired.")
    page.get_by_label("Code from the e-mail").fill(str(pool._get_user(email).confirmation_code))
    page.get_by_role("button", name="Reset password").click()
    expect(page.get_by_text("Your password is reset.")).to_be_visible()
    sign_in(page, email, "Reset-Pass-2026!")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")


def test_first_sign_in_sets_a_new_password(page: Page, cloud: LocalCloud) -> None:
    email = f"temp-{uuid.uuid4().hex[:8]}@northwind.example"
    idp = cloud.client("cognito-idp")
    created = idp.admin_create_user(UserPoolId=cloud.resource("UserPool"), Username=email,
                                    TemporaryPassword="Temp-Pass-2026!", MessageAction="SUPPRESS",
                                    UserAttributes=[{"Name": "email", "Value": email}])["User"]
    sub = next(a["Value"] for a in created["Attributes"] if a["Name"] == "sub")
    with cloud.functions["IdentityFunction"].environment():
        account = directory.account_item("acc-northwind")
        directory.enrol(account=account, contact_id=sub, email=email, name="Tia Temp",
                        language="en", roles=["contact"], joined_at="2026-11-01T00:00:00Z",
                        contact=None, request_id="test")
    sign_in(page, email, "Temp-Pass-2026!")
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set password and sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Tia Temp")


def test_phone_width_has_no_horizontal_scroll(browser: Browser, cloud: LocalCloud) -> None:
    context = browser.new_context(base_url=cloud.url, viewport={"width": 360, "height": 740})
    page = context.new_page()
    sign_in(page, "manager@northwind.example")
    expect(page.locator("#user-name")).to_be_visible()
    ready = {"/": "#widgets li", "/account/": "#people tbody tr", "/profile/": "#pref-cases-email"}
    for path, filled in ready.items():
        page.goto(path)
        expect(page.locator(filled).first).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{path} is {width}px wide at 360px"
        shot(page, "phone-" + (path.strip("/") or "dashboard"))
    nav = page.get_by_role("navigation", name="Main")
    expect(nav).to_be_hidden()
    page.get_by_role("button", name="Menu").click()
    expect(nav).to_be_visible()
    context.close()


def test_token_is_refreshed_before_it_expires(page: Page) -> None:
    sign_in(page, "contact@northwind.example")
    expect(page.locator("#user-name")).to_be_visible()
    before = page.evaluate("JSON.parse(sessionStorage.getItem('portico.session'))")
    # Pretend the access token has a minute left: the next call refreshes it first.
    page.evaluate("""() => {
        const s = JSON.parse(sessionStorage.getItem('portico.session'));
        s.expiresAt = Math.floor(Date.now() / 1000) + 60;
        sessionStorage.setItem('portico.session', JSON.stringify(s));
    }""")
    with page.expect_request(lambda r: r.method == "POST" and "REFRESH_TOKEN_AUTH" in (
            r.post_data or "")):
        page.goto("/profile/")
    expect(page.get_by_label("Name", exact=True)).to_have_value("Ned Northwind")
    after = page.evaluate("JSON.parse(sessionStorage.getItem('portico.session'))")
    assert after["expiresAt"] > before["expiresAt"] - 1
    assert after["refreshToken"] == before["refreshToken"]


def test_a_new_tab_shares_the_session_and_a_sign_out_ends_it_in_every_tab(
        browser: Browser, cloud: LocalCloud, portal: Portal) -> None:
    email = _join(portal, "acc-northwind", "manager@northwind.example")
    context = browser.new_context(base_url=cloud.url)
    first = context.new_page()
    sign_in(first, email, NEW_PASSWORD)
    expect(first.locator("#user-name")).to_be_visible()
    # A link opened in a new tab (or from an e-mail) finds the session of the open tab.
    second = context.new_page()
    second.goto("/cases/")
    expect(second.get_by_role("heading", name="Cases", level=1)).to_be_visible()
    # Signing out in one tab signs out the other at once.
    first.get_by_role("button", name="Sign out").click()
    expect(first).to_have_url(re.compile(r"/signin/"))
    expect(second).to_have_url(re.compile(r"/signin/\?next="))
    context.close()


def test_without_keep_me_signed_in_the_session_ends_with_the_last_tab(
        browser: Browser, cloud: LocalCloud, portal: Portal) -> None:
    email = _join(portal, "acc-northwind", "manager@northwind.example")
    context = browser.new_context(base_url=cloud.url)
    page = context.new_page()
    sign_in(page, email, NEW_PASSWORD)
    expect(page.locator("#user-name")).to_be_visible()
    page.close()
    again = context.new_page()
    again.goto("/cases/")
    expect(again).to_have_url(re.compile(r"/signin/\?next="))
    # Kept: it is there after every tab has closed, and after a reload.
    sign_in(again, email, NEW_PASSWORD, remember=True)
    expect(again.locator("#user-name")).to_be_visible()
    again.close()
    later = context.new_page()
    later.goto("/cases/")
    expect(later.get_by_role("heading", name="Cases", level=1)).to_be_visible()
    later.reload()
    expect(later.get_by_role("heading", name="Cases", level=1)).to_be_visible()
    context.close()


def test_sign_out_ends_every_session(page: Page, cloud: LocalCloud, portal: Portal) -> None:
    email = _join(portal, "acc-northwind", "manager@northwind.example")
    sign_in(page, email, NEW_PASSWORD)
    expect(page.locator("#user-name")).to_be_visible()
    refresh_token = page.evaluate(
        "JSON.parse(sessionStorage.getItem('portico.session')).refreshToken")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/signin/$"))
    assert page.evaluate("sessionStorage.getItem('portico.session')") is None
    idp = cloud.client("cognito-idp")
    with pytest.raises(idp.exceptions.NotAuthorizedException):
        idp.initiate_auth(ClientId=cloud.resource("UserPoolClient"),
                          AuthFlow="REFRESH_TOKEN_AUTH",
                          AuthParameters={"REFRESH_TOKEN": refresh_token})
    page.goto("/profile/")
    expect(page).to_have_url(re.compile(r"/signin/\?next="))
