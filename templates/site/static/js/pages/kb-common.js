// What the knowledge-base pages share: reading signed in or not (public routes then),
// whether search has arrived yet, category names, an article's cleaned HTML on the page,
// and the new-case form's suggestions.
import { ApiError, api } from "../api.js";
import { signedIn } from "../auth.js";
import { lang, t, url } from "../i18n.js";
import { start } from "../shell.js";
import { $, loader, sending } from "./bookings-common.js";

/** Run a KB page for anyone: signed in with the portal's frame, or signed out as a public
 * page reading the public routes (`me` is null then). */
export function startKb(init, { publicToo = true } = {}) {
  if (publicToo && !signedIn()) {
    document.body.dataset.auth = "public";
    $("loading").hidden = true;
    $("page").hidden = false;
    for (const node of document.querySelectorAll("[data-signed-out]")) node.hidden = false;
    for (const node of document.querySelectorAll("[data-signed-in]")) node.hidden = true;
    for (const link of document.querySelectorAll("a.signin-link")) link.href = signInUrl();
  }
  return start(init);
}

export function isStaff(me) {
  return Boolean(me) && (me.roles.includes("agent") || me.roles.includes("admin"));
}

/** A KB route as the reader may use it: `/kb/public/...` without a token when signed out. */
export function kb(me, path, options = {}) {
  return me ? api(`/kb${path}`, options) : api(`/kb/public${path}`, { ...options, auth: false });
}

/** A route that is not there (yet): the gateway's bare 404, the function's "no route",
 * or no answer at all. The pages then do without it. */
export function missingRoute(error) {
  return error instanceof ApiError && (error.status === 0 ||
    (error.status === 404 && (error.code !== "not_found" || /route/i.test(error.message))));
}

export function signInUrl() {
  return `${url("/signin/")}?next=${encodeURIComponent(location.pathname + location.search)}`;
}

export function articleUrl(slug, extra = "") {
  return `${url("/kb/article/")}?slug=${encodeURIComponent(slug)}${extra}`;
}

export function categoryUrl(category) {
  return `${url("/kb/")}?category=${encodeURIComponent(category)}`;
}

/** A category's name: the catalogue's, else its slug made readable. */
export function categoryName(category) {
  const key = `kb.category.${category}`;
  const text = t(key);
  if (text !== key) return text;
  const words = category.replace(/[-_]+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The server's sanitized article HTML into `box`. Parsed in a document of its own first,
 * so a table's alignment (an inline style the site's CSP refuses) becomes a class, and
 * links leave the portal in a new tab. */
export function showHtml(box, html) {
  const doc = new DOMParser().parseFromString(`<body>${html}</body>`, "text/html");
  for (const cell of doc.body.querySelectorAll("[style]")) {
    const align = /text-align:\s*(left|center|right)/.exec(cell.getAttribute("style") || "");
    cell.removeAttribute("style");
    if (align) cell.classList.add(`align-${align[1]}`);
  }
  for (const table of doc.body.querySelectorAll("table")) {
    const wrap = doc.createElement("div");
    wrap.className = "table-wrap";
    table.replaceWith(wrap);
    wrap.append(table);
  }
  for (const link of doc.body.querySelectorAll("a[href^='http']")) {
    if (new URL(link.href, location.href).origin !== location.origin) link.target = "_blank";
  }
  box.replaceChildren(...[...doc.body.childNodes].map((n) => document.importNode(n, true)));
}

/** A small element with text. */
export function el(tag, text = "", className = "") {
  const node = document.createElement(tag);
  if (text) node.textContent = text;
  if (className) node.className = className;
  return node;
}

/** A result or an article in a list: its title as a link, then its summary or snippet. */
export function articleItem(a, { snippet = false, staff = false } = {}) {
  const item = el("li", "", "kb-item");
  const heading = el("h3");
  const link = el("a", a.title);
  link.href = articleUrl(a.slug);
  heading.append(link);
  item.append(heading);
  if (snippet && a.snippet) {
    const text = el("p", "", "snippet");
    text.innerHTML = a.snippet; // escaped by the API but for its <mark> highlights
    item.append(text);
  } else if (a.summary) {
    item.append(el("p", a.summary));
  }
  const facts = el("p", "", "kb-meta");
  if (a.category) facts.append(el("span", categoryName(a.category)));
  if (a.lang && a.lang !== lang) facts.append(el("span", t("kb.inlang", { language: t(`language.${a.lang}`) })));
  if (staff && a.status && a.status !== "published") {
    facts.append(el("span", t(`kb.status.${a.status}`), `badge kb-${a.status}`));
  }
  if (facts.childNodes.length) item.append(facts);
  return item;
}

/** The search box of a page: hidden for good when the search route is not there. */
export function hideSearch() {
  for (const box of document.querySelectorAll(".kb-search")) box.hidden = true;
}

/** The catalogue's stylesheet, for the cases page's suggestions. */
export function kbStyles() {
  for (const href of ["/static/css/bookings.css", "/static/css/kb.css"]) {
    if (document.querySelector(`link[href="${href}"]`)) continue;
    const link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = href;
    document.head.append(link);
  }
}

/** Pages of a list, read by `read(cursor)` (null: the first), each item shown as `add(item)`
 * in `box`; "Show more" (`more`) reads the next, keeping what is shown. Like bookings'
 * pagedList, but for a reader who may have no token. Returns the function that (re)loads. */
export function pages(box, more, read, add, { after = () => {}, failed = () => {} } = {}) {
  const state = { cursor: null, count: 0 };
  const show = (page) => {
    box.append(...page.items.map(add));
    state.count += page.items.length;
    state.cursor = page.next_cursor || null;
    more.hidden = !state.cursor;
    after(state.count, Boolean(state.cursor));
  };
  more.addEventListener("click", () => sending(more, () => read(state.cursor).then(show, failed)));
  return loader(box, () => {
    Object.assign(state, { cursor: null, count: 0 });
    more.hidden = true;
    return read(null);
  }, show);
}

/** Search hits or suggestions, one per article: the index holds each translation apart and
 * is asked in every language (a Finnish reader may type English), the best kept. */
export function onePerArticle(items) {
  const seen = new Set();
  return items.filter((i) => !seen.has(i.id) && seen.add(i.id));
}
