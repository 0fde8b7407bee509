// What every signed-in page shows of notifications: the bell with the unread total, red
// badges on the menu's sections, kept current by live.js (a WebSocket, or polling while it
// is down); and the active announcements as banners under the header.
import { api } from "./api.js";
import { t } from "./i18n.js";
import { onLive } from "./live.js";

const BADGED = ["cases", "invoices", "bookings", "account"];
const DISMISSED = "portico.dismissed";
// Info announcements are banners only where people look for news.
const INFO_SECTIONS = ["dashboard"];

let last = null;

/** The latest summary seen ({sections, total}), or null before the first. */
export function lastSummary() {
  return last;
}

function count(n) {
  return n > 99 ? "99+" : String(n);
}

/** Show a summary: the bell's total and each section's badge. Also tells the page (the
 * notifications list refreshes itself) through a `portico:summary` event. */
export function showSummary(summary) {
  if (!summary || typeof summary.total !== "number") return;
  const previous = last;
  last = summary;
  const bell = document.querySelector("a.bell");
  if (bell) {
    const total = summary.total;
    const number = bell.querySelector(".bell-count");
    const text = total ? count(total) : "";
    if (number.textContent !== text) number.textContent = text;
    number.hidden = !total;
    bell.setAttribute("aria-label", total ? t("bell.unread", { count: total }) : t("bell.label"));
    bell.classList.toggle("has-unread", total > 0);
  }
  for (const section of BADGED) {
    const badge = document.querySelector(`#nav li[data-section="${section}"] .nav-badge`);
    if (!badge) continue;
    const n = (summary.sections || {})[section] || 0;
    badge.hidden = !n;
    badge.replaceChildren();
    if (n) {
      const hidden = document.createElement("span");
      hidden.className = "visually-hidden";
      hidden.textContent = t("badge.unread.after");
      badge.append(count(n), hidden);
    }
  }
  document.dispatchEvent(new CustomEvent("portico:summary", { detail: { summary, previous } }));
}

/** Ask for the summary now (after marking read, say) rather than at the next push. */
export async function refreshSummary() {
  try {
    showSummary(await api("/notifications/summary"));
  } catch {
    // The next push or poll catches up.
  }
}

// -- announcements -------------------------------------------------------------------------

function dismissed() {
  try {
    return new Set(JSON.parse(sessionStorage.getItem(DISMISSED) || "[]"));
  } catch {
    return new Set();
  }
}

function dismiss(key) {
  const keys = dismissed();
  keys.add(key);
  sessionStorage.setItem(DISMISSED, JSON.stringify([...keys]));
}

export function severityName(severity) {
  const key = `announcement.severity.${severity}`;
  const text = t(key);
  return text === key ? t("announcement.severity.info") : text;
}

/** An announcement as a coloured box (`tag`: div, li), its title, its text and `more`. */
export function announcementBox(a, tag = "div", ...more) {
  const box = document.createElement(tag);
  box.className = `banner banner-${a.severity}`;
  box.dataset.announcement = a.id;
  const text = document.createElement("div");
  text.className = "banner-text";
  const title = document.createElement("strong");
  title.textContent = `${severityName(a.severity)}: ${a.title}`;
  const body = document.createElement("p");
  body.textContent = a.body;
  text.append(title, body, ...more);
  box.append(text);
  return box;
}

function banner(a) {
  const box = announcementBox(a);
  if (a.severity !== "outage") {
    const close = document.createElement("button");
    close.type = "button";
    close.className = "banner-close";
    close.textContent = "×";
    close.setAttribute("aria-label", t("banner.dismiss", { title: a.title }));
    close.addEventListener("click", () => {
      dismiss(`${a.id}:${a.version}`);
      const area = box.parentElement;
      box.remove();
      if (area && !area.children.length) area.hidden = true;
      document.getElementById("main").focus();
    });
    box.append(close);
  }
  return box;
}

let announcementsLoad = null;

/** The caller's active announcements, outages first (one request per page). */
export function activeAnnouncements({ fresh = false } = {}) {
  if (fresh || !announcementsLoad) {
    announcementsLoad = api("/announcements").then((page) => page.items)
      .catch((e) => {
        announcementsLoad = null;
        throw e;
      });
  }
  return announcementsLoad;
}

async function showBanners({ fresh = false } = {}) {
  const area = document.getElementById("banners");
  if (!area) return;
  let items;
  try {
    items = await activeAnnouncements({ fresh });
  } catch {
    return; // a banner is news, not the page: the page works without it
  }
  const section = document.body.dataset.section;
  const gone = dismissed();
  const shown = items.filter((a) => (a.severity === "outage"
    || (a.severity === "warning" && !gone.has(`${a.id}:${a.version}`))
    || (a.severity === "info" && INFO_SECTIONS.includes(section) && !gone.has(`${a.id}:${a.version}`))));
  area.replaceChildren(...shown.map(banner));
  area.hidden = !shown.length;
}

/** Wire the bell, the badges and the banners of a signed-in page. */
export function startNotify() {
  const bell = document.querySelector("a.bell");
  if (bell) bell.hidden = false;
  showBanners();
  onLive((message) => {
    if (message.type !== "summary") return;
    const before = last && last.sections ? last.sections.announcements || 0 : 0;
    showSummary(message.summary);
    const now = (message.summary.sections || {}).announcements || 0;
    if (now > before) showBanners({ fresh: true });
  });
  // A tab brought back asks at once: its socket may have missed a push while asleep.
  window.addEventListener("focus", () => refreshSummary());
}
