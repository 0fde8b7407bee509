// Notifications: the caller's, newest first, unread ones marked; all or only unread; "Mark
// all as read"; opening one marks it read and goes where it points. The active announcements
// head the page. The list refreshes itself when the badge count rises (live.js).
import { api } from "../api.js";
import { t } from "../i18n.js";
import { activeAnnouncements, announcementBox, refreshSummary } from "../notify.js";
import { start } from "../shell.js";
import { button, sending } from "./bookings-common.js";
import { $, SLOW_MS, isStaff, known, problem, sitePath, when, withSkeleton } from "./notify-common.js";

const PAGE = 20;

function sectionName(section) {
  return known(`notes.section.${section}`, t("notes.section.other"));
}

function announcementItem(a) {
  const until = document.createElement("p");
  until.className = "note-meta";
  until.textContent = t("notes.announcement.until", { date: when(a.ends_at) });
  return announcementBox(a, "li", until);
}

start(async (me) => {
  const list = $("notes");
  const more = $("more");
  const readAll = $("read-all");
  let unreadOnly = new URLSearchParams(location.search).get("unread") === "true";
  let cursor = null;
  let count = 0;
  let generation = 0;

  $("staff-links").hidden = !isStaff(me);

  function clearMessages() {
    $("notes-error").replaceChildren();
    $("notes-status").textContent = "";
  }

  function sayError(text, retry) {
    const box = $("notes-error");
    box.replaceChildren(text);
    if (retry) {
      const again = button(t("bookings.retry"), { className: "secondary" });
      again.addEventListener("click", () => load());
      box.append(" ", again);
    }
  }

  function markShown(li) {
    li.classList.remove("unread");
    li.querySelector(".note-state").textContent = `, ${t("notes.read")}`;
  }

  function item(n) {
    const li = document.createElement("li");
    li.className = `note${n.read ? "" : " unread"}`;
    li.dataset.notification = n.id;
    const open = document.createElement("button");
    open.type = "button";
    open.className = "note-open";
    const title = document.createElement("span");
    title.className = "note-title";
    title.textContent = n.title;
    const body = document.createElement("p");
    body.className = "note-body";
    body.textContent = n.body;
    const meta = document.createElement("p");
    meta.className = "note-meta";
    const state = document.createElement("span");
    state.className = "note-state visually-hidden";
    state.textContent = `, ${n.read ? t("notes.read") : t("notes.unread")}`;
    meta.textContent = `${sectionName(n.section)} · ${when(n.created_at)}`;
    // The button says what it is about (and whether it is read); text and date follow it.
    open.append(title, state);
    open.addEventListener("click", async () => {
      if (open.getAttribute("aria-busy") === "true") return; // a double click opens once
      open.setAttribute("aria-busy", "true");
      clearMessages();
      if (li.classList.contains("unread")) {
        try {
          await api(`/notifications/${encodeURIComponent(n.id)}/read`, { method: "POST" });
          markShown(li);
        } catch (e) {
          // Not marked is no reason to stay, unless it is gone.
          if (e.status === 404) {
            open.removeAttribute("aria-busy");
            sayError(problem(e), false);
            return;
          }
        }
      }
      location.assign(sitePath(n.link));
    });
    li.append(open, body, meta);
    return li;
  }

  function emptyState() {
    $("notes-empty-text").textContent = t(unreadOnly ? "notes.empty.unread" : "notes.empty");
    $("notes-empty").hidden = false;
  }

  function fill(page) {
    for (const n of page.items) list.append(item(n));
    count += page.items.length;
    cursor = page.cursor || null;
    more.hidden = !cursor;
    $("notes-empty").hidden = true;
    if (!count) emptyState();
  }

  function path(after) {
    const query = new URLSearchParams({ limit: String(PAGE), unread: String(unreadOnly) });
    if (after) query.set("cursor", after);
    return `/notifications?${query}`;
  }

  async function load({ quiet = false } = {}) {
    const mine = ++generation;
    if (!quiet) clearMessages();
    more.hidden = true;
    const slow = setTimeout(() => sayError(t("bookings.slow"), true), SLOW_MS);
    try {
      const request = api(path(null));
      const page = quiet ? await request : await withSkeleton(list, request);
      if (mine !== generation) return;
      $("notes-error").replaceChildren();
      list.replaceChildren();
      count = 0;
      fill(page);
    } catch (e) {
      if (mine !== generation) return;
      list.replaceChildren();
      $("notes-empty").hidden = true;
      sayError(problem(e), e.status !== 403);
    } finally {
      clearTimeout(slow);
    }
  }

  function showFilter() {
    $("show-unread").setAttribute("aria-pressed", String(unreadOnly));
    $("show-all").setAttribute("aria-pressed", String(!unreadOnly));
  }

  function setFilter(unread) {
    if (unread === unreadOnly) return;
    unreadOnly = unread;
    history.replaceState(null, "", location.pathname + (unread ? "?unread=true" : ""));
    showFilter();
    load();
  }

  $("show-unread").addEventListener("click", () => setFilter(true));
  $("show-all").addEventListener("click", () => setFilter(false));

  readAll.addEventListener("click", () => sending(readAll, async () => {
    clearMessages();
    try {
      const result = await api("/notifications/read-all", { method: "POST" });
      $("notes-status").textContent = result.marked
        ? t(result.marked === 1 ? "notes.readall.done.one" : "notes.readall.done", { count: result.marked })
        : t("notes.readall.none");
      for (const li of list.querySelectorAll(".note.unread")) markShown(li);
      if (unreadOnly) await load({ quiet: true });
      await refreshSummary();
    } catch (e) {
      sayError(problem(e), false);
    }
  }, t("notes.readall.busy")));

  more.addEventListener("click", () => sending(more, async () => {
    const mine = generation;
    try {
      const page = await api(path(cursor));
      if (mine === generation) fill(page);
    } catch (e) {
      if (mine === generation) sayError(problem(e), false);
    }
  }, t("notes.more.loading")));

  // A new notification (the badge count rose): the first page again, without a flash.
  document.addEventListener("portico:summary", (event) => {
    const { summary, previous } = event.detail;
    if (previous && summary.total > previous.total && more.hidden) load({ quiet: true });
  });

  activeAnnouncements().then((items) => {
    $("ann-list").replaceChildren(...items.map(announcementItem));
    $("ann-section").hidden = !items.length;
  }).catch(() => {});

  showFilter();
  await load();
});
