// Change requests: the account's sensitive details (addresses, VAT id, invoice e-mail)
// change only after staff review. Customers ask and follow their requests; staff compare
// before and after and approve or reject.
import { api, newKey } from "../api.js";
import { t } from "../i18n.js";
import { sending } from "./bookings-common.js";
import { $, known, problem, when, withSkeleton } from "./notify-common.js";

export const FIELDS = ["billing_address", "shipping_address", "vat_id", "invoice_email"];
const ADDRESS = ["line1", "line2", "postal_code", "city", "country"];
const VAT = /^[A-Za-z]{2}[A-Za-z0-9]{2,13}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function mayAsk(me) {
  return me.roles.includes("account_manager") || me.roles.includes("billing");
}

export function fieldName(field) {
  return known(`cr.field.${field}`, t("cr.field.other"));
}

/** An address or a plain value as lines for reading. */
export function shown(value) {
  if (value === null || value === undefined || value === "") return t("cr.none");
  if (typeof value === "string") return value;
  return [value.line1, value.line2, [value.postal_code, value.city].filter(Boolean).join(" "),
    value.country].filter(Boolean).join("\n");
}

export function statusBadge(status) {
  const span = document.createElement("span");
  span.className = `cr-status cr-status-${status}`;
  span.textContent = known(`cr.status.${status}`, status);
  return span;
}

/** The before/after of each field, as a small table (cards on a phone). */
export function changesTable(request) {
  const table = document.createElement("table");
  table.className = "stack labelled changes";
  const head = table.createTHead().insertRow();
  for (const key of ["cr.col.field", "cr.col.before", "cr.col.after"]) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = t(key);
    head.append(th);
  }
  const body = table.createTBody();
  for (const field of request.fields) {
    const change = request.changes[field] || {};
    const tr = body.insertRow();
    const th = document.createElement("th");
    th.scope = "row";
    th.textContent = fieldName(field);
    tr.append(th);
    for (const [label, value] of [["cr.col.before", change.before], ["cr.col.after", change.after]]) {
      const td = tr.insertCell();
      td.dataset.label = t(label);
      td.textContent = shown(value);
    }
  }
  return table;
}

function line(text, className = "") {
  const p = document.createElement("p");
  if (className) p.className = className;
  p.textContent = text;
  return p;
}

/** A request as a card; `staff` adds the account and who asked. */
export function requestCard(r, { staff = false } = {}) {
  const li = document.createElement("li");
  li.className = "card cr-card";
  li.dataset.request = r.id;
  const head = document.createElement("h4");
  head.textContent = staff
    ? t("cr.card.staff", { account: r.account_name || r.account_number || r.account_id })
    : t("cr.card", { fields: r.fields.map(fieldName).join(", ") });
  const state = document.createElement("p");
  state.append(statusBadge(r.status), " ", t("cr.asked", { name: r.requested_by.name, date: when(r.created_at) }));
  li.append(head, state, changesTable(r));
  if (r.note) li.append(line(t("cr.note.shown", { note: r.note }), "hint"));
  if (r.reviewed_by && r.status !== "pending") {
    li.append(line(t(`cr.reviewed.${r.status === "approved" ? "approved" : "rejected"}`,
      { name: r.reviewed_by.name, date: when(r.reviewed_at) })));
  }
  if (r.reason) {
    li.append(line(t(r.status === "rejected" ? "cr.reason" : "cr.review.note", { reason: r.reason })));
  }
  return li;
}

/** The form and the list of the acting account's requests, in the `_changes.html` block. */
export async function changeRequestsPanel(me) {
  $("cr-section").hidden = false;
  const form = $("cr-form");
  const send = $("cr-send");
  const open = $("cr-open");
  let current = null;

  try {
    current = await api(`/accounts/${encodeURIComponent(me.account_id)}`);
  } catch {
    current = null; // billing contacts may not read the account: no "now" lines then
  }
  if (current) {
    for (const f of FIELDS) {
      const now = $(`cr-${f}-now`);
      now.textContent = current[f] ? t("cr.now", { value: shown(current[f]).replace(/\n/g, ", ") }) : "";
    }
  }

  function clearMessages() {
    $("cr-status").textContent = "";
    $("cr-form-error").textContent = "";
    $("cr-list-error").textContent = "";
    for (const f of FIELDS) $(`cr-${f}-error`).textContent = "";
    for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
  }

  function toggle(show) {
    form.hidden = !show;
    open.setAttribute("aria-expanded", String(show));
    if (show) form.querySelector("input").focus();
  }
  open.addEventListener("click", () => {
    clearMessages();
    toggle(form.hidden);
  });
  $("cr-cancel").addEventListener("click", () => {
    form.reset();
    clearMessages();
    toggle(false);
    open.focus();
  });

  function bad(field, key, input) {
    $(`cr-${field}-error`).textContent = t(key);
    (input || $(`cr-${field}`)).setAttribute("aria-invalid", "true");
  }

  function read() {
    const body = {};
    let ok = true;
    for (const f of ["billing_address", "shipping_address"]) {
      const values = Object.fromEntries(ADDRESS.map((k) => [k, $(`cr-${f}-${k}`).value.trim()]));
      if (!Object.values(values).some(Boolean)) continue;
      values.country = values.country.toUpperCase();
      const missing = ["line1", "postal_code", "city", "country"].filter((k) => !values[k]);
      if (missing.length) {
        bad(f, "cr.error.address", $(`cr-${f}-${missing[0]}`));
        ok = false;
      } else if (!/^[A-Z]{2}$/.test(values.country)) {
        bad(f, "cr.error.country", $(`cr-${f}-country`));
        ok = false;
      }
      if (!values.line2) delete values.line2;
      body[f] = values;
    }
    const vat = $("cr-vat_id").value.replace(/\s+/g, "");
    if (vat) {
      if (!VAT.test(vat)) {
        bad("vat_id", "cr.error.vat");
        ok = false;
      }
      body.vat_id = vat.toUpperCase();
    }
    const email = $("cr-invoice_email").value.trim();
    if (email) {
      if (!EMAIL.test(email)) {
        bad("invoice_email", "cr.error.email");
        ok = false;
      }
      body.invoice_email = email;
    }
    if (ok && !FIELDS.some((f) => f in body)) {
      $("cr-form-error").textContent = t("cr.error.nothing");
      return null;
    }
    const note = $("cr-note").value.trim();
    if (note) body.note = note;
    return ok ? body : null;
  }

  function apiProblem(e) {
    const details = e.details && !Array.isArray(e.details) ? e.details : {};
    if (e.status === 409 && details.pending) {
      return t("cr.error.pending", { fields: details.pending.map(fieldName).join(", ") });
    }
    if (details.unchanged) {
      return t("cr.error.unchanged", { fields: details.unchanged.map(fieldName).join(", ") });
    }
    if (Array.isArray(e.details)) {
      const field = e.details.map((d) => (d.loc || []).map(String).find((k) => FIELDS.includes(k))).find(Boolean);
      if (field) return t("cr.error.field", { field: fieldName(field) });
    }
    return problem(e, { 429: "cr.error.limit" });
  }

  let requestKey = newKey(); // sent with every try of this one
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    sending(send, async () => {
      clearMessages();
      const body = read();
      if (!body) {
        form.querySelector("[aria-invalid]")?.focus();
        return;
      }
      try {
        const created = await api("/me/change-requests", { method: "POST", body, key: requestKey });
        requestKey = newKey();
        form.reset();
        toggle(false);
        $("cr-status").textContent = t("cr.sent", { fields: created.fields.map(fieldName).join(", ") });
        await list();
      } catch (e) {
        $("cr-form-error").textContent = apiProblem(e);
      }
    }, t("cr.sending"));
  });

  async function list() {
    const box = $("cr-list");
    try {
      const page = await withSkeleton(box, api("/me/change-requests?limit=20"), 2);
      box.replaceChildren(...page.items.map((r) => requestCard(r)));
      $("cr-empty").hidden = page.items.length > 0;
    } catch (e) {
      box.replaceChildren();
      $("cr-list-error").textContent = problem(e);
    }
  }
  await list();
}
