// The frame every page shares: who is signed in, the menu their roles allow, the language,
// the account they act in, and the polite answer for a page they may not use.
import { api, actIn, actingAccount } from "./api.js";
import { borrow, clear, signedIn, signOutEverywhere } from "./auth.js";
import { brandPage } from "./brand.js";
import { altLang, altUrl, lang, preferredLanguage, rememberLanguage, t, url } from "./i18n.js";
import { startNotify } from "./notify.js";

const $ = (id) => document.getElementById(id);

export function notice(text) {
  const box = $("notice");
  if (box) box.textContent = text;
}

// A message answers the last action: the next one (a form sent, a button pressed) clears
// it, so a success never stands above a later error.
document.addEventListener("submit", () => notice(""), true);
document.addEventListener("click", (event) => {
  if (event.target instanceof Element && event.target.closest("button")) notice("");
}, true);

/** A message for the next page this tab opens (the case just opened, say): shown there
 * once, as if this page had said it. */
export function flash(text) {
  sessionStorage.setItem("portico.flash", text);
}

function flashed() {
  const text = sessionStorage.getItem("portico.flash");
  if (text) {
    sessionStorage.removeItem("portico.flash");
    notice(text);
  }
}

export function showError(element, error) {
  element.textContent = error ? (error.message || t("error.generic")) : "";
}

function signInUrl() {
  const next = location.pathname + location.search;
  return `${url("/signin/")}?next=${encodeURIComponent(next)}`;
}

function menu(me) {
  const nav = $("nav");
  for (const item of nav.querySelectorAll("li[data-section]")) {
    item.hidden = !me.sections.includes(item.dataset.section);
    const link = item.querySelector("a");
    if (item.dataset.section === document.body.dataset.section) {
      link.setAttribute("aria-current", "page");
    }
  }
  nav.hidden = false;
  const toggle = document.querySelector(".menu-toggle");
  toggle.hidden = false;
  toggle.addEventListener("click", () => {
    const open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    nav.classList.toggle("open", open);
  });
}

function user(me) {
  document.querySelector(".user").hidden = false;
  $("user-name").textContent = me.name || me.email;
  $("signout").addEventListener("click", async () => {
    await signOutEverywhere();
    location.assign(url("/signin/"));
  });
  if (me.memberships.length > 1) {
    const select = $("acting");
    for (const m of me.memberships) {
      select.add(new Option(m.account_name, m.account_id, false, m.account_id === me.account_id));
    }
    select.addEventListener("change", () => {
      actIn(select.value);
      location.assign(url("/"));
    });
    document.querySelector(".acting").hidden = false;
  }
}

function languageSwitch(me) {
  document.querySelector("a.lang").addEventListener("click", async (event) => {
    event.preventDefault();
    rememberLanguage(altLang);
    if (me) await api("/me", { method: "PATCH", body: { language: altLang } }).catch(() => {});
    location.assign(altUrl + location.search);
  });
}

/** Run a page: public pages at once, others once the caller is known and allowed; an
 * `optional` page (the home page) runs for anyone, with `me` null when signed out. */
export async function start(init) {
  const body = document.body;
  const branded = brandPage();
  if (body.dataset.auth === "optional" && !signedIn() && !await borrow()) {
    body.dataset.auth = "public";
    $("loading").hidden = true;
    $("page").hidden = false;
  }
  if (body.dataset.auth === "public") {
    // A visitor reading public pages (home, knowledge base) can sign in from any of them.
    if (!signedIn() && !location.pathname.includes("/signin/")) {
      document.querySelector(".signin-link").hidden = false;
    }
    languageSwitch(null);
    await init(null);
    await branded;
    body.dataset.ready = "true";
    return;
  }
  if (!signedIn() && !await borrow()) {
    location.replace(signInUrl());
    return;
  }
  // Signed out in another tab: this one leaves too.
  window.addEventListener("portico:signedout", () => location.replace(signInUrl()));
  let me;
  try {
    me = await api("/me");
  } catch (e) {
    if (e.status === 401) {
      clear();
      location.replace(signInUrl());
      return;
    }
    $("loading").hidden = true;
    if (e.status === 403 && actingAccount()) {
      sessionStorage.removeItem("portico.account");
      location.reload();
      return;
    }
    notice(e.status === 403 ? t("error.inactive") : e.message);
    return;
  }
  const wanted = preferredLanguage() || me.language;
  if (wanted !== lang) {
    location.replace(altUrl + location.search);
    return;
  }
  menu(me);
  user(me);
  languageSwitch(me);
  startNotify();
  $("loading").hidden = true;
  const section = body.dataset.section;
  if (section && !me.sections.includes(section)) {
    $("not-available").hidden = false;
    return;
  }
  $("page").hidden = false;
  await init(me);
  flashed();
  await branded;
  // The page's forms now answer; until then a submit would only reload the page.
  body.dataset.ready = "true";
}
