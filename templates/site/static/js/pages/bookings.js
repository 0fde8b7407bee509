// Bookings: the caller's upcoming bookings (or the account's, for its manager), the
// resources they may book by category, staff's approvals, and the calendar subscription.
import { api } from "../api.js";
import { config } from "../config.js";
import { t } from "../i18n.js";
import { start } from "../shell.js";
import {
  $, bookingCard, button, categoryName, confirmInline, dateTime, downloadIcs, interval,
  isStaff, linkedCard, loader, pagedList, problem, resourceUrl, sending, utc,
} from "./bookings-common.js";

const ACTIVE = ["pending", "confirmed"];

function say(id, text) {
  $(id).textContent = text;
}

/** The booking's own buttons: add to a calendar, and cancel while the rules allow.
 * `onChange(updated, message)` shows the booking as it now is, with what happened;
 * `onChange(null)` reloads the list. */
function bookingActions(card, b, staff, onChange) {
  const actions = card.querySelector(".actions");
  actions.replaceChildren();
  if (!ACTIVE.includes(b.status)) return;
  const ics = button(t("bookings.ics"), { className: "secondary",
    label: t("bookings.ics.label", { name: b.resource_name }) });
  ics.addEventListener("click", () => sending(ics, () => downloadIcs(b).catch((e) => {
    say("mine-status", problem(e));
  })));
  actions.append(ics);
  if (b.can_cancel) {
    const cancel = button(t("bookings.cancel"), { className: "secondary",
      label: t("bookings.cancel.label", { name: b.resource_name }) });
    cancel.addEventListener("click", async () => {
      const what = interval(b.start, b.end, b.time_zone);
      const sure = await confirmInline(cancel, t("bookings.cancel.confirm",
        { name: b.resource_name, when: what }), t("bookings.cancel.yes"));
      if (!sure) return;
      say("mine-status", "");
      await sending(cancel, async () => {
        try {
          const updated = await api(`/bookings/${encodeURIComponent(b.id)}`, { method: "DELETE" });
          onChange(updated, t("bookings.cancelled", { name: b.resource_name, when: what }));
        } catch (e) {
          say("mine-status", problem(e));
          if (e.status === 409) onChange(null);
        }
      }, t("bookings.cancelling"));
    });
    actions.append(cancel);
  } else if (!staff) {
    const late = document.createElement("p");
    late.className = "hint";
    late.textContent = t("bookings.cancel.closed");
    actions.append(late);
  }
}

start(async (me) => {
  const staff = isStaff(me);
  const manager = me.roles.includes("account_manager");

  // -- my (or the account's) bookings ----------------------------------------------------
  let from = utc(Date.now());

  function show(b, scope) {
    const card = bookingCard(b, { staff, who: scope !== "mine" });
    const replace = (updated, message) => {
      if (!updated) {
        loadMine({ quiet: true });
        return;
      }
      const fresh = show(updated, scope);
      const done = document.createElement("p");
      done.className = "notice";
      done.setAttribute("role", "status");
      done.textContent = message;
      fresh.append(done);
      card.replaceWith(fresh);
      fresh.querySelector("h3 a").focus();
    };
    bookingActions(card, b, staff, replace);
    return card;
  }

  const loadMine = pagedList($("mine"), $("mine-more"), (first) => {
    if (first) from = utc(Date.now());
    return `/bookings?scope=${$("scope").value}&from=${encodeURIComponent(from)}&limit=10`;
  }, (b) => show(b, $("scope").value), {
    after(count, more) {
      $("mine-empty").hidden = count > 0;
      $("mine-count").textContent = count ? t(more ? "bookings.count.more" : "bookings.count", { count }) : "";
      const wanted = location.hash.match(/^#booking-(.+)$/);
      if (wanted) document.getElementById(`booking-${wanted[1]}`)?.classList.add("wanted");
    },
    failed: (e) => say("mine-status", problem(e)),
  });

  $("scope-bar").hidden = !manager;
  $("scope").addEventListener("change", () => {
    say("mine-status", "");
    $("mine-empty").hidden = true;
    $("mine-title").textContent = $("scope").value === "mine" ? t("bookings.mine") : t("bookings.scope.account");
    loadMine();
  });

  // -- the catalogue ---------------------------------------------------------------------
  const catalogue = $("catalogue");
  const loadCatalogue = loader(catalogue, () => api("/resources"), ({ items }) => {
    const groups = new Map();
    for (const r of items) {
      if (!groups.has(r.category)) groups.set(r.category, []);
      groups.get(r.category).push(r);
    }
    $("catalogue-empty").hidden = items.length > 0;
    const sorted = [...groups].sort(([a], [b]) => categoryName(a).localeCompare(categoryName(b)));
    for (const [category, resources] of sorted) {
      const section = document.createElement("section");
      section.className = "category";
      const heading = document.createElement("h3");
      heading.textContent = categoryName(category);
      const cards = document.createElement("ul");
      cards.className = "cards";
      resources.sort((a, b) => a.name.localeCompare(b.name));
      for (const r of resources) cards.append(resourceCard(r));
      section.append(heading, cards);
      catalogue.append(section);
    }
  }, { rows: 4 });

  function resourceCard(r) {
    const card = linkedCard("card resource", "h4", resourceUrl(r.id), r.name);
    card.dataset.resource = r.id;
    const text = document.createElement("p");
    text.textContent = r.description || "";
    const facts = document.createElement("ul");
    facts.className = "facts";
    for (const fact of [
      t(r.capacity > 1 ? "bookings.capacity.many" : "bookings.capacity.one", { count: r.capacity }),
      t(r.approval_required ? "bookings.approval.yes" : "bookings.approval.no"),
    ]) {
      const li = document.createElement("li");
      li.textContent = fact;
      facts.append(li);
    }
    card.append(text, facts);
    if (staff) {
      const tools = document.createElement("p");
      tools.className = "actions";
      const edit = document.createElement("a");
      edit.href = `${$("new-resource").getAttribute("href")}?id=${encodeURIComponent(r.id)}`;
      edit.textContent = t("bookings.resource.edit.short");
      edit.setAttribute("aria-label", t("bookings.resource.edit.label", { name: r.name }));
      tools.append(edit);
      card.append(tools);
    }
    return card;
  }
  $("new-resource-bar").hidden = !staff;

  // -- approvals (staff) -------------------------------------------------------------------
  const approvals = $("approvals");
  const loadApprovals = pagedList(approvals, $("approvals-more"), () => "/bookings?scope=pending&limit=20",
    approvalCard, {
      after(count) {
        $("approvals-empty").hidden = count > 0;
      },
      failed: (e) => say("approvals-status", problem(e)),
    });

  function approvalCard(b) {
    const card = bookingCard(b, { staff: true, who: true });
    const actions = card.querySelector(".actions");
    const what = `${b.resource_name}, ${interval(b.start, b.end, b.time_zone)}`;
    const decided = (key, updated) => {
      say("approvals-status", t(key, { name: updated.contact_name || "", what }));
      const next = card.nextElementSibling || card.previousElementSibling;
      card.remove();
      if (!approvals.querySelector(".booking")) loadApprovals();
      else next?.querySelector("button, a")?.focus();
    };
    const approve = button(t("bookings.approve"), { label: t("bookings.approve.label", { what }) });
    approve.addEventListener("click", () => sending(approve, async () => {
      say("approvals-status", "");
      try {
        decided("bookings.approved", await api(`/bookings/${encodeURIComponent(b.id)}/approve`,
          { method: "POST" }));
      } catch (e) {
        say("approvals-status", problem(e));
      }
    }));
    const reject = button(t("bookings.reject"), { className: "secondary",
      label: t("bookings.reject.label", { what }) });
    reject.addEventListener("click", () => {
      if (card.querySelector(".reject-form")) return;
      const form = document.createElement("form");
      form.className = "form reject-form";
      form.noValidate = true;
      const id = `reason-${b.id}`;
      const label = document.createElement("label");
      label.htmlFor = id;
      label.textContent = t("bookings.reject.reason");
      const reason = document.createElement("textarea");
      reason.id = id;
      reason.rows = 2;
      reason.maxLength = 500;
      const error = document.createElement("p");
      error.className = "error";
      error.setAttribute("role", "alert");
      const send = document.createElement("button");
      send.type = "submit";
      send.textContent = t("bookings.reject.send");
      const keep = button(t("bookings.keep"), { className: "secondary" });
      keep.addEventListener("click", () => { form.remove(); reject.focus(); });
      const row = document.createElement("div");
      row.className = "actions";
      row.append(send, keep);
      form.append(label, reason, error, row);
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        sending(send, async () => {
          error.textContent = "";
          try {
            decided("bookings.rejected", await api(`/bookings/${encodeURIComponent(b.id)}/reject`,
              { method: "POST", body: { reason: reason.value.trim() } }));
          } catch (e) {
            error.textContent = problem(e);
          }
        });
      });
      card.append(form);
      reason.focus();
    });
    actions.append(approve, reject);
    return card;
  }

  // -- calendar subscription ---------------------------------------------------------------
  const feedState = loader($("feed-state"), () => api("/calendar-feed"), (feed) => {
    $("feed-state").textContent = feed.active
      ? t("bookings.feed.active", { date: dateTime(feed.created_at) }) : t("bookings.feed.inactive");
    $("feed-create").textContent = feed.active ? t("bookings.feed.replace") : t("bookings.feed.create");
    $("feed-revoke").hidden = !feed.active;
  }, { rows: 1 });

  $("feed-create").addEventListener("click", () => sending($("feed-create"), async () => {
    say("feed-status", "");
    $("feed-error").textContent = "";
    try {
      const made = await api("/calendar-feed", { method: "POST" });
      const cfg = await config();
      $("feed-url").value = cfg.apiUrl.replace(/\/$/, "") + made.path;
      $("feed-url-box").hidden = false;
      say("feed-status", t("bookings.feed.created"));
      await feedState({ quiet: true });
      $("feed-url").focus();
      $("feed-url").select();
    } catch (e) {
      $("feed-error").textContent = problem(e);
    }
  }));

  $("feed-copy").addEventListener("click", async () => {
    const field = $("feed-url");
    try {
      await navigator.clipboard.writeText(field.value);
    } catch {
      field.select();
      document.execCommand("copy");
    }
    say("feed-status", t("bookings.feed.copied"));
  });

  $("feed-revoke").addEventListener("click", async () => {
    const sure = await confirmInline($("feed-revoke"), t("bookings.feed.revoke.confirm"),
      t("bookings.feed.revoke.yes"));
    if (!sure) return;
    await sending($("feed-revoke"), async () => {
      say("feed-status", "");
      try {
        await api("/calendar-feed", { method: "DELETE" });
        $("feed-url-box").hidden = true;
        $("feed-url").value = "";
        say("feed-status", t("bookings.feed.revoked"));
        await feedState({ quiet: true });
      } catch (e) {
        $("feed-error").textContent = problem(e);
      }
    });
  });

  $("approvals-section").hidden = !staff;
  await Promise.all([loadMine(), loadCatalogue(), feedState(), staff ? loadApprovals() : null]);
  const wanted = location.hash && document.getElementById(location.hash.slice(1));
  if (wanted) wanted.scrollIntoView();
});
