// The staff's announcements: every one with its status; administrators publish, edit and
// withdraw them, agents read. Times are picked in the reader's own time zone and sent as
// ISO 8601 with the zone.
import { api, newKey } from "../api.js";
import { t } from "../i18n.js";
import { severityName } from "../notify.js";
import { start } from "../shell.js";
import { button, confirmInline, sending } from "./bookings-common.js";
import { $, SLOW_MS, isAdmin, known, problem, staffOnly, when, withSkeleton } from "./notify-common.js";

const FIELD_ERRORS = { title: "a-title", body: "a-body", starts_at: "a-starts", ends_at: "a-ends",
  roles: "a-roles", account_ids: "a-accounts" };
const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;

/** "2026-11-26T14:05" (the picker's value) for an ISO instant, in the reader's zone. */
function local(iso) {
  const d = new Date(iso);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The picker's local time as an instant with its zone ("2026-11-26T12:05:00.000Z"). */
function instant(value) {
  if (!value) return null;
  const d = new Date(value); // a datetime-local value without zone is the reader's time
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

function audienceText(a) {
  const aud = a.audience || {};
  if (aud.kind === "roles") return t("ann.audience.roles.list", { roles: aud.roles.map((r) => known(`role.${r}`, r)).join(", ") });
  if (aud.kind === "accounts") return t("ann.audience.accounts.list", { accounts: aud.account_ids.join(", ") });
  return t("ann.audience.all");
}

function cell(label, ...content) {
  const td = document.createElement("td");
  td.dataset.label = label;
  td.append(...content);
  return td;
}

start(async (me) => {
  if (!staffOnly(me)) return;
  const admin = isAdmin(me);
  $("ann-readonly").hidden = admin;
  $("ann-new").hidden = !admin;
  $("a-zone").textContent = t("ann.zone", { zone });
  const form = $("ann-form");
  const save = $("a-save");
  let editing = null; // the announcement being edited, or null for a new one

  function clearMessages() {
    $("ann-error").textContent = "";
    $("ann-status").textContent = "";
    $("a-form-error").textContent = "";
    for (const id of Object.values(FIELD_ERRORS)) {
      $(`${id}-error`).textContent = "";
      $(id).removeAttribute("aria-invalid");
    }
  }

  function audienceKind() {
    return form.querySelector('input[name="audience"]:checked').value;
  }

  function showAudience() {
    $("a-roles-box").hidden = audienceKind() !== "roles";
    $("a-accounts-box").hidden = audienceKind() !== "accounts";
  }
  for (const radio of form.querySelectorAll('input[name="audience"]')) {
    radio.addEventListener("change", showAudience);
  }

  function openForm(a) {
    clearMessages();
    editing = a;
    $("ann-form-title").textContent = t(a ? "ann.form.edit" : "ann.form.new");
    save.textContent = t(a ? "ann.save" : "ann.publish");
    form.reset();
    const now = Date.now();
    $("a-title").value = a ? a.title : "";
    $("a-body").value = a ? a.body : "";
    $("a-severity").value = a ? a.severity : "info";
    const kind = a ? a.audience.kind : "all";
    form.querySelector(`input[name="audience"][value="${kind}"]`).checked = true;
    for (const box of form.querySelectorAll('input[name="role"]')) {
      box.checked = Boolean(a && a.audience.kind === "roles" && a.audience.roles.includes(box.value));
    }
    $("a-accounts").value = a && a.audience.kind === "accounts" ? a.audience.account_ids.join(", ") : "";
    $("a-email").checked = Boolean(a && a.channels.includes("email"));
    $("a-starts").value = local(a ? a.starts_at : new Date(now).toISOString());
    $("a-ends").value = local(a ? a.ends_at : new Date(now + 24 * 3600_000).toISOString());
    showAudience();
    $("ann-form-section").hidden = false;
    $("a-title").focus();
  }

  function closeForm() {
    editing = null;
    $("ann-form-section").hidden = true;
  }

  function fieldError(id, key) {
    $(`${id}-error`).textContent = t(key);
    $(id).setAttribute("aria-invalid", "true");
  }

  /** The form as the API's body, or null after saying what is missing next to it. */
  function read() {
    let ok = true;
    const body = {
      title: $("a-title").value.trim(),
      body: $("a-body").value.trim(),
      severity: $("a-severity").value,
      channels: $("a-email").checked ? ["portal", "email"] : ["portal"],
      starts_at: instant($("a-starts").value),
      ends_at: instant($("a-ends").value),
    };
    if (!body.title) { fieldError("a-title", "ann.error.title"); ok = false; }
    if (!body.body) { fieldError("a-body", "ann.error.body"); ok = false; }
    if (!body.starts_at) { fieldError("a-starts", "ann.error.starts"); ok = false; }
    if (!body.ends_at) { fieldError("a-ends", "ann.error.ends"); ok = false; }
    if (body.starts_at && body.ends_at && body.ends_at <= body.starts_at) {
      fieldError("a-ends", "ann.error.order");
      ok = false;
    }
    const kind = audienceKind();
    if (kind === "roles") {
      const roles = [...form.querySelectorAll('input[name="role"]:checked')].map((b) => b.value);
      if (!roles.length) { fieldError("a-roles", "ann.error.roles"); ok = false; }
      body.audience = { kind, roles };
    } else if (kind === "accounts") {
      const ids = $("a-accounts").value.split(/[\s,]+/).filter(Boolean);
      if (!ids.length) { fieldError("a-accounts", "ann.error.accounts"); ok = false; }
      body.audience = { kind, account_ids: ids };
    } else {
      body.audience = { kind: "all" };
    }
    if (editing) body.version = editing.version;
    return ok ? body : null;
  }

  /** The API's 422 next to the fields it names; true if any was. */
  function fieldProblems(error) {
    if (error.status !== 422 || !Array.isArray(error.details)) return false;
    let placed = false;
    for (const d of error.details) {
      const field = (d.loc || []).map(String).reverse().find((k) => FIELD_ERRORS[k]);
      if (!field) continue;
      const key = field === "ends_at" && /after|starts|days/.test(d.message || "") ? "ann.error.window"
        : field === "account_ids" ? "ann.error.accounts.unknown" : `ann.error.${field === "starts_at" ? "starts" : field === "ends_at" ? "ends" : field}`;
      fieldError(FIELD_ERRORS[field], key);
      placed = true;
    }
    return placed;
  }

  let announcementKey = newKey(); // sent with every try of this one
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    sending(save, async () => {
      clearMessages();
      const body = read();
      if (!body) return;
      try {
        const saved = editing
          ? await api(`/announcements/${encodeURIComponent(editing.id)}`, { method: "PUT", body })
          : await api("/announcements", { method: "POST", body, key: announcementKey });
        if (editing === null) announcementKey = newKey();
        closeForm();
        $("ann-status").textContent = t(editing === null ? "ann.published" : "ann.saved", { title: saved.title });
        await load();
      } catch (e) {
        if (!fieldProblems(e)) {
          $("a-form-error").textContent = problem(e, { 409: "ann.error.changed" });
        } else {
          $("a-form-error").textContent = t("ann.error.fix");
        }
      }
    }, t(editing ? "ann.saving" : "ann.publishing"));
  });
  $("a-cancel").addEventListener("click", () => {
    closeForm();
    $("ann-new").focus();
  });
  $("ann-new").addEventListener("click", () => openForm(null));

  function row(a) {
    const tr = document.createElement("tr");
    tr.dataset.announcement = a.id;
    const title = document.createElement("strong");
    title.textContent = a.title;
    const sev = document.createElement("span");
    sev.className = `sev sev-${a.severity}`;
    sev.textContent = severityName(a.severity);
    const status = document.createElement("span");
    status.className = `ann-status ann-status-${a.status}`;
    status.textContent = known(`ann.status.${a.status}`, a.status);
    const span = t("ann.window", { start: when(a.starts_at), end: when(a.ends_at) });
    const actions = document.createElement("div");
    actions.className = "actions";
    if (admin && a.status !== "withdrawn" && a.status !== "ended") {
      const edit = button(t("ann.edit"), { className: "secondary", label: t("ann.edit.label", { title: a.title }) });
      edit.addEventListener("click", () => openForm(a));
      const withdraw = button(t("ann.withdraw"), { className: "secondary", label: t("ann.withdraw.label", { title: a.title }) });
      withdraw.addEventListener("click", async () => {
        clearMessages();
        const yes = await confirmInline(withdraw, t("ann.withdraw.confirm", { title: a.title }), t("ann.withdraw.yes"));
        if (!yes) return;
        await sending(withdraw, async () => {
          try {
            await api(`/announcements/${encodeURIComponent(a.id)}`, { method: "DELETE" });
            $("ann-status").textContent = t("ann.withdrawn", { title: a.title });
            if (editing && editing.id === a.id) closeForm();
            await load();
          } catch (e) {
            $("ann-error").textContent = problem(e);
          }
        });
      });
      actions.append(edit, withdraw);
    }
    tr.append(cell(t("ann.field.title"), title), cell(t("ann.field.severity"), sev),
      cell(t("ann.col.status"), status), cell(t("ann.col.when"), span),
      cell(t("ann.field.audience"), audienceText(a)), cell(t("account.actions"), actions));
    return tr;
  }

  async function load() {
    const rows = $("ann-rows");
    const slow = setTimeout(() => { $("ann-error").textContent = t("bookings.slow"); }, SLOW_MS);
    try {
      const page = await withSkeleton(rows, api("/announcements?scope=all"));
      rows.replaceChildren(...page.items.map(row));
      $("ann-empty").hidden = page.items.length > 0;
    } catch (e) {
      rows.replaceChildren();
      $("ann-error").textContent = problem(e);
    } finally {
      clearTimeout(slow);
    }
  }

  await load();
});
