// The audit log: who changed what in an account, newest first, or the history of one
// record. Account managers read their account's; admins any account's or any record's.
import { api } from "../api.js";
import { date, t } from "../i18n.js";
import { start } from "../shell.js";
import { known, loader, problem, useStyles } from "./bookings-common.js";

const $ = (id) => document.getElementById(id);

/** A value as a person reads it: text as it is, a list or object shortened to one line. */
function shown(value) {
  if (value === null || value === undefined || value === "") return "–";
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.map(shown).join(", ");
  if (typeof value === "object") {
    return Object.entries(value).map(([k, v]) => `${k}: ${shown(v)}`).join("; ");
  }
  return String(value);
}

start(async (me) => {
  useStyles();
  const admin = me.roles.includes("admin");
  $("audit-account-field").hidden = !admin;
  // Who did it, by name where the page can know it: this account's people.
  const names = new Map([[me.id, me.name || me.email]]);
  await api(`/accounts/${encodeURIComponent(me.account_id)}/contacts?limit=100`)
    .then((page) => page.items.forEach((c) => names.set(c.id, c.name || c.email)))
    .catch(() => {}); // names are a nicety; ids stand in
  const who = (actor) => {
    if (!actor.contact_id) return t("audit.who.system");
    if (names.has(actor.contact_id)) return names.get(actor.contact_id);
    return actor.account_id && actor.account_id !== me.account_id && !admin
      ? t("audit.who.staff") : actor.contact_id;
  };

  const tbody = $("audit").tBodies[0];
  let cursor = null;
  // An account named by the link from its page (admins read any account's log).
  const named = admin ? new URLSearchParams(location.search).get("account") : null;
  if (named) $("audit-account").value = named;
  let filter = named ? { account: named } : {};

  function path() {
    const params = new URLSearchParams({ limit: "25", ...filter });
    if (cursor) params.set("cursor", cursor);
    return `/audit?${params}`;
  }

  function row(entry) {
    const tr = tbody.insertRow();
    const cell = (label) => {
      const td = tr.insertCell();
      td.dataset.label = t(label);
      return td;
    };
    const when = document.createElement("time");
    when.dateTime = entry.at;
    when.textContent = date(entry.at);
    cell("audit.when").append(when);
    cell("audit.who").textContent = who(entry.actor);
    cell("audit.what").textContent = t("audit.line", {
      action: known(`audit.action.${entry.action}`, entry.action),
      entity: known(`audit.entity.${entry.entity}`, entry.entity), id: entry.entity_id });
    const changes = Object.entries(entry.changes || {});
    const list = document.createElement("ul");
    list.className = "audit-changes";
    for (const [field, change] of changes) {
      const li = document.createElement("li");
      li.textContent = t("audit.change", { field, before: shown(change.before),
                                            after: shown(change.after) });
      list.append(li);
    }
    cell("audit.changes").append(changes.length ? list : document.createTextNode("–"));
  }

  let shownEntries = []; // the pages read so far: "Show more" adds the next under them
  const load = loader(tbody, () => api(path()), (page) => {
    shownEntries = cursor ? shownEntries.concat(page.items) : page.items;
    shownEntries.forEach(row);
    cursor = page.next_cursor;
    $("audit-more").hidden = !cursor;
    $("audit-empty").hidden = shownEntries.length > 0;
  }, { rows: 4, errors: { 403: "audit.error.forbidden", 404: "audit.error.missing" } });

  $("audit-filter").addEventListener("submit", async (event) => {
    event.preventDefault();
    $("audit-filter-error").textContent = "";
    const entity = $("audit-entity").value;
    const id = $("audit-id").value.trim();
    if (Boolean(entity) !== Boolean(id)) {
      $("audit-filter-error").textContent = t("audit.error.record");
      (entity ? $("audit-id") : $("audit-entity")).focus();
      return;
    }
    const account = admin ? $("audit-account").value.trim() : "";
    filter = entity ? { entity, id } : (account ? { account } : {});
    cursor = null;
    await load();
  });
  $("audit-more").addEventListener("click", () => load({ quiet: true }));
  await load();
});
