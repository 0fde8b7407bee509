// What the notification, announcement and change-request pages share: the API's errors in
// the page's words, dates, skeleton rows that appear only when an answer is slow.
import { problemsOf } from "../problems.js";
import { known, lang, t, url } from "../i18n.js";

export const $ = (id) => document.getElementById(id);
export const locale = lang === "fi" ? "fi-FI" : "en-GB";
export const SKELETON_AFTER_MS = 200;
export const SLOW_MS = 10_000;

export function isStaff(me) {
  return me.roles.includes("agent") || me.roles.includes("admin");
}

export function isAdmin(me) {
  return me.roles.includes("admin");
}

/** A staff page's guard: for anyone else the polite "not available"; whether to go on. */
export function staffOnly(me) {
  if (isStaff(me)) return true;
  $("not-available").hidden = false;
  $("page").hidden = true;
  return false;
}

/** A catalogue entry if there is one, else `fallback`. */
export { known }; // the pages take it from here too

/** An API error in the page's words; `overrides` maps a status or code to a catalogue key. */
export const problem = problemsOf("notes");

/** An instant in the reader's zone: "26 Nov 2026, 14:05". */
export function when(iso) {
  if (!iso) return "";
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" })
    .format(new Date(iso));
}

/** A site path from the API ("/cases/view/?id=…") in the page's language; anything not a
 * path of this site becomes the notifications page. */
export function sitePath(link) {
  if (typeof link !== "string" || !link.startsWith("/") || link.startsWith("//")) {
    return url("/notifications/");
  }
  return url(link.replace(/^\/fi(?=\/)/, ""));
}

/** Grey rows in `box` if `promise` has not answered within 200 ms. */
export async function withSkeleton(box, promise, rows = 3) {
  const grey = setTimeout(() => {
    box.replaceChildren(...Array.from({ length: rows }, () => {
      const bar = document.createElement(box.tagName === "UL" ? "li" : "div");
      bar.className = "skeleton";
      bar.setAttribute("aria-hidden", "true");
      if (box.tagName !== "TBODY") return bar;
      const tr = document.createElement("tr");
      tr.setAttribute("aria-hidden", "true");
      const td = tr.insertCell();
      td.colSpan = 9;
      td.append(bar);
      return tr;
    }));
  }, SKELETON_AFTER_MS);
  box.setAttribute("aria-busy", "true");
  try {
    return await promise;
  } finally {
    clearTimeout(grey);
    box.removeAttribute("aria-busy");
  }
}
