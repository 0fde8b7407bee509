// What the booking pages share: words for statuses, categories, rules and errors; times in
// a resource's time zone; buttons that send once; lists that load with skeletons and say
// so when the network is slow.
import { ApiError, actingAccount, api } from "../api.js";
import { accessToken } from "../auth.js";
import { config } from "../config.js";
import { known, lang, t, url } from "../i18n.js";

export const $ = (id) => document.getElementById(id);
export const locale = lang === "fi" ? "fi-FI" : "en-GB";
const SLOW_MS = 10_000;

/** The booking pages' stylesheet, for a page of another section that shows bookings. */
export function useStyles() {
  if (document.querySelector('link[href="/static/css/bookings.css"]')) return;
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = "/static/css/bookings.css";
  document.head.append(link);
}

export function isStaff(me) {
  return me.roles.includes("agent") || me.roles.includes("admin");
}

/** A catalogue entry if there is one, else `fallback` (the raw value). */
export { known }; // the pages take it from here too

export function categoryName(slug) {
  return known(`bookings.category.${slug}`, slug);
}

/** A status in the audience's words: customers and staff see different ones. */
export function statusName(status, staff) {
  return known(staff ? `bookings.status.staff.${status}` : `bookings.status.${status}`, status);
}

export function badge(status, staff) {
  const span = document.createElement("span");
  span.className = `badge booking-${status}`;
  span.textContent = statusName(status, staff);
  return span;
}

export function resourceUrl(id, week) {
  return `${url("/bookings/resource/")}?id=${encodeURIComponent(id)}${week ? `&week=${week}` : ""}`;
}

// -- time ----------------------------------------------------------------------------------

function format(iso, zone, options) {
  return new Intl.DateTimeFormat(locale, { timeZone: zone, ...options }).format(new Date(iso));
}

export function clock(iso, zone) {
  return format(iso, zone, { hour: "2-digit", minute: "2-digit" });
}

export function day(iso, zone) {
  return format(iso, zone, { weekday: "short", day: "numeric", month: "short" });
}

/** "Tue 1 Dec, 10:00–11:00 (Europe/Helsinki)": an interval in the resource's zone. */
export function interval(start, end, zone) {
  return t("bookings.interval", { day: day(start, zone), start: clock(start, zone),
    end: clock(end, zone), zone });
}

export function dateTime(iso) {
  return format(iso, undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** The calendar date ("2026-11-26") it is now in `zone`. */
export function today(zone) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-US", {
    timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
  }).formatToParts(new Date()).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}`;
}

export function addDays(date, days) {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

export function monday(date) {
  return addDays(date, -((new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7));
}

/** A calendar date as a heading: "Tue 1.12." / "Tue 1 Dec". */
export function dateLabel(date, options = { weekday: "short", day: "numeric", month: "short" }) {
  return new Intl.DateTimeFormat(locale, { timeZone: "UTC", ...options })
    .format(new Date(`${date}T00:00:00Z`));
}

/** An instant as the API writes it: "2026-12-01T08:00:00Z". */
export function utc(ms) {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function duration(minutes) {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (!h) return t("bookings.duration.m", { m });
  return m ? t("bookings.duration.hm", { h, m }) : t("bookings.duration.h", { h });
}

// -- errors --------------------------------------------------------------------------------

/** An API error in the page's words; `overrides` maps a status or code to a catalogue key. */
export function problem(error, overrides = {}) {
  if (!(error instanceof ApiError)) return t("error.generic");
  const key = overrides[error.code] || overrides[error.status];
  if (key) return t(key);
  const rule = error.details && !Array.isArray(error.details) && error.details.rule;
  if (rule) return known(`bookings.rule.${rule}`, error.message);
  switch (error.status) {
    case 0: return t("error.network");
    case 401: return t("bookings.error.signin");
    case 403: return t("bookings.error.forbidden");
    case 404: return t("bookings.error.missing");
    case 409: return t("bookings.error.changed");
    case 400: case 422: return t("bookings.error.invalid");
    case 429: case 503: return t("bookings.error.busy");
    default: return error.status >= 500 ? t("error.generic") : error.message;
  }
}

// -- sending -------------------------------------------------------------------------------

/** Run `work` with `button` disabled and saying so: a double click or Enter sends once. */
export async function sending(button, work, busyText = t("bookings.sending")) {
  if (button.dataset.busy) return undefined;
  button.dataset.busy = "true";
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  const label = button.textContent;
  button.textContent = busyText;
  try {
    return await work();
  } finally {
    delete button.dataset.busy;
    button.disabled = false;
    button.removeAttribute("aria-busy");
    if (button.textContent === busyText) button.textContent = label;
  }
}

export function button(text, { className = "", label } = {}) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = text;
  if (className) b.className = className;
  if (label) b.setAttribute("aria-label", label);
  return b;
}

/** A small confirmation under `anchor`: the question names the thing, two buttons answer.
 * Resolves with whether to go ahead. */
export function confirmInline(anchor, question, yes, no = t("bookings.keep")) {
  anchor.parentElement.querySelector(".confirm")?.remove();
  return new Promise((resolve) => {
    const box = document.createElement("div");
    box.className = "confirm";
    box.setAttribute("role", "group");
    const text = document.createElement("p");
    text.textContent = question;
    box.setAttribute("aria-label", question);
    const ok = button(yes, { className: "danger" });
    const cancel = button(no, { className: "secondary" });
    const done = (answer) => {
      box.remove();
      anchor.disabled = false;
      anchor.focus();
      resolve(answer);
    };
    ok.addEventListener("click", () => done(true));
    cancel.addEventListener("click", () => done(false));
    box.append(text, ok, cancel);
    anchor.after(box);
    anchor.disabled = true;
    cancel.focus();
  });
}

// -- loading -------------------------------------------------------------------------------

function skeleton(box, rows) {
  const tag = box.tagName === "UL" || box.tagName === "OL" ? "li" : "div";
  return Array.from({ length: rows }, () => {
    const row = document.createElement(tag);
    row.className = "skeleton";
    row.setAttribute("aria-hidden", "true");
    return row;
  });
}

/** A loader for `box`: skeleton rows while `fetch` runs, then `render(data)`. A request
 * slower than 10 s, or a failure (in words: `errors` as for `problem`), is said next to the
 * box with a retry. Only the latest load renders. Returns the function that (re)loads. */
export function loader(box, fetch, render, { rows = 3, errors = {} } = {}) {
  const note = document.createElement("div");
  note.className = "load-note";
  note.hidden = true;
  box.before(note);
  let generation = 0;

  function say(text, isError) {
    note.replaceChildren();
    const p = document.createElement("p");
    p.className = isError ? "error" : "hint";
    p.setAttribute("role", isError ? "alert" : "status");
    p.textContent = text;
    const retry = button(t("bookings.retry"), { className: "secondary" });
    retry.addEventListener("click", () => load());
    note.append(p, retry);
    note.hidden = false;
  }

  async function load({ quiet = false } = {}) {
    const mine = ++generation;
    note.hidden = true;
    if (!quiet) box.replaceChildren(...skeleton(box, rows));
    box.setAttribute("aria-busy", "true");
    const slow = setTimeout(() => say(t("bookings.slow"), false), SLOW_MS);
    try {
      const data = await fetch();
      if (mine !== generation) return;
      note.hidden = true;
      box.replaceChildren();
      await render(data);
    } catch (e) {
      if (mine !== generation) return;
      box.replaceChildren();
      say(problem(e, errors), true);
    } finally {
      clearTimeout(slow);
      if (mine === generation) box.removeAttribute("aria-busy");
    }
  }
  return load;
}

/** A list read a page at a time: skeletons, then `add(item)`'s element for each item;
 * "Show more" (`more`) follows the cursor, keeping what is shown. `path(first)` is the
 * list's address with its query (`first`: a fresh load); `after(count, hasMore)` runs after
 * each page; `failed(error)` says what went wrong with a further page. Returns the loader. */
export function pagedList(box, more, path, add, { after = () => {}, failed = () => {} } = {}) {
  let cursor = null;
  let count = 0;
  function fill(page) {
    for (const item of page.items) box.append(add(item));
    count += page.items.length;
    cursor = page.next_cursor;
    more.hidden = !cursor;
    after(count, Boolean(cursor));
  }
  more.addEventListener("click", () => sending(more, async () => {
    try {
      fill(await api(`${path(false)}&cursor=${encodeURIComponent(cursor)}`));
    } catch (e) {
      failed(e);
    }
  }));
  return loader(box, () => {
    cursor = null;
    count = 0;
    more.hidden = true;
    return api(path(true));
  }, fill);
}

// -- a booking as a card ---------------------------------------------------------------------

/** A list item headed by a link. */
export function linkedCard(className, heading, href, text) {
  const card = document.createElement("li");
  card.className = className;
  const title = document.createElement(heading);
  const link = document.createElement("a");
  link.href = href;
  link.textContent = text;
  title.append(link);
  card.append(title);
  return card;
}

/** A booking's card: what, when (in the resource's zone), status, who (for others' bookings)
 * and the note. Actions are the caller's. */
export function bookingCard(b, { staff = false, who = false } = {}) {
  const card = linkedCard(`card booking${["cancelled", "rejected"].includes(b.status) ? " ended" : ""}`,
    "h3", resourceUrl(b.resource_id), b.resource_name);
  card.id = `booking-${b.id}`;
  card.dataset.booking = b.id;
  const when = document.createElement("p");
  when.className = "when";
  when.textContent = interval(b.start, b.end, b.time_zone);
  const state = document.createElement("p");
  state.append(badge(b.status, staff));
  if (b.reason && ["cancelled", "rejected"].includes(b.status)) {
    state.append(` ${t("bookings.reason", { reason: b.reason })}`);
  }
  card.append(when, state);
  if (who) {
    const person = document.createElement("p");
    person.className = "hint";
    person.textContent = t("bookings.by", { name: b.contact_name || b.contact_id });
    card.append(person);
  }
  if (b.note) {
    const note = document.createElement("p");
    note.className = "booking-note";
    note.textContent = b.note;
    card.append(note);
  }
  const actions = document.createElement("div");
  actions.className = "actions";
  card.append(actions);
  return card;
}

/** The booking as an iCalendar file, fetched with the caller's token and saved. */
export async function downloadIcs(booking) {
  const cfg = await config();
  const headers = { Accept: "text/calendar", Authorization: `Bearer ${await accessToken()}` };
  const account = actingAccount();
  if (account) headers["X-Portico-Account"] = account;
  let res;
  try {
    res = await fetch(`${cfg.apiUrl}/bookings/${encodeURIComponent(booking.id)}.ics`, { headers });
  } catch {
    throw new ApiError(0, "network", t("error.network"));
  }
  if (!res.ok) throw new ApiError(res.status, "error", t("error.generic"));
  const link = document.createElement("a");
  link.href = URL.createObjectURL(await res.blob());
  link.download = `${booking.resource_name.replace(/[^\p{L}\p{N}]+/gu, "-")}-${booking.start.slice(0, 10)}.ics`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

