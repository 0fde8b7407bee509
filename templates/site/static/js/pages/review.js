// The staff's review of change requests: each with the account, who asked, and before and
// after per field. Administrators approve or reject (with a reason); agents read.
import { api } from "../api.js";
import { t } from "../i18n.js";
import { notice, start } from "../shell.js";
import { button, sending } from "./bookings-common.js";
import { requestCard } from "./change-requests.js";
import { $, isAdmin, problem, staffOnly, withSkeleton } from "./notify-common.js";

const PAGE = 20;

start(async (me) => {
  if (!staffOnly(me)) return;
  const admin = isAdmin(me);
  $("rv-readonly").hidden = admin;
  const list = $("rv-list");
  const more = $("rv-more");
  const status = new URLSearchParams(location.search).get("status");
  if (["pending", "approved", "rejected"].includes(status)) $("rv-status").value = status;
  let cursor = null;
  let count = 0;
  let generation = 0;

  function clearMessages() {
    $("rv-error").textContent = "";
    $("rv-status-text").textContent = "";
    notice("");
  }

  function decisionProblem(e) {
    const details = e.details && !Array.isArray(e.details) ? e.details : {};
    if (e.status === 409 && "account_version" in details) return t("cr.error.stale");
    if (e.status === 409) return t("cr.error.decided");
    if (e.status === 422) return t("cr.error.reason");
    return problem(e);
  }

  function reviewTools(card, r) {
    const tools = document.createElement("div");
    tools.className = "actions";
    const approve = button(t("cr.approve"), { label: t("cr.approve.label", { account: r.account_name || r.account_id }) });
    const reject = button(t("cr.reject"), { className: "secondary", label: t("cr.reject.label", { account: r.account_name || r.account_id }) });
    const errorBox = document.createElement("p");
    errorBox.className = "error";
    errorBox.setAttribute("role", "alert");
    const rejectForm = document.createElement("form");
    rejectForm.className = "stack-form";
    rejectForm.noValidate = true;
    rejectForm.hidden = true;
    const reasonId = `reason-${r.id}`;
    const label = document.createElement("label");
    label.htmlFor = reasonId;
    label.textContent = t("cr.reject.reason");
    const reason = document.createElement("textarea");
    reason.id = reasonId;
    reason.rows = 3;
    reason.maxLength = 1000;
    const confirm = button(t("cr.reject.confirm"), { className: "danger" });
    confirm.type = "submit";
    const cancel = button(t("ann.cancel"), { className: "secondary" });
    const buttons = document.createElement("div");
    buttons.className = "buttons";
    buttons.append(confirm, cancel);
    rejectForm.append(label, reason, buttons);

    async function decide(action, body, btn) {
      errorBox.textContent = "";
      clearMessages();
      try {
        await api(`/change-requests/${encodeURIComponent(r.id)}/${action}`, { method: "POST", body });
        $("rv-status-text").textContent = t(action === "approve" ? "cr.approved" : "cr.rejected",
          { account: r.account_name || r.account_id });
        card.remove();
        count -= 1;
        showCount();
      } catch (e) {
        errorBox.textContent = decisionProblem(e);
        if (e.status === 409) {
          approve.disabled = true;
          btn.disabled = true;
        }
        throw e;
      }
    }

    approve.addEventListener("click", () => sending(approve, () => decide("approve", {}, approve).catch(() => {
      if (errorBox.textContent) approve.disabled = true;
    }), t("cr.approving")));
    reject.addEventListener("click", () => {
      errorBox.textContent = "";
      rejectForm.hidden = false;
      reason.focus();
    });
    cancel.addEventListener("click", () => {
      rejectForm.hidden = true;
      reason.removeAttribute("aria-invalid");
      errorBox.textContent = "";
      reject.focus();
    });
    rejectForm.addEventListener("submit", (event) => {
      event.preventDefault();
      sending(confirm, async () => {
        if (!reason.value.trim()) {
          errorBox.textContent = t("cr.error.reason");
          reason.setAttribute("aria-invalid", "true");
          reason.focus();
          return;
        }
        reason.removeAttribute("aria-invalid");
        await decide("reject", { reason: reason.value.trim() }, confirm).catch(() => {});
      }, t("cr.rejecting"));
    });
    tools.append(approve, reject);
    card.append(tools, rejectForm, errorBox);
  }

  function showCount() {
    $("rv-count").textContent = count ? t(cursor ? "cr.count.more" : "cr.count", { count }) : "";
    $("rv-empty").hidden = count > 0;
    $("rv-empty").textContent = t(`cr.review.empty.${$("rv-status").value}`);
  }

  function fill(page) {
    for (const r of page.items) {
      const card = requestCard(r, { staff: true });
      if (admin && r.status === "pending") reviewTools(card, r);
      list.append(card);
    }
    count += page.items.length;
    cursor = page.next_cursor || null;
    more.hidden = !cursor;
    showCount();
  }

  function path(after) {
    const q = new URLSearchParams({ status: $("rv-status").value, limit: String(PAGE) });
    if (after) q.set("cursor", after);
    return `/change-requests?${q}`;
  }

  async function load() {
    const mine = ++generation;
    clearMessages();
    more.hidden = true;
    try {
      const page = await withSkeleton(list, api(path(null)), 2);
      if (mine !== generation) return;
      list.replaceChildren();
      count = 0;
      fill(page);
    } catch (e) {
      if (mine !== generation) return;
      list.replaceChildren();
      $("rv-error").textContent = problem(e);
    }
  }

  $("rv-status").addEventListener("change", () => {
    history.replaceState(null, "", `${location.pathname}?status=${$("rv-status").value}`);
    load();
  });
  more.addEventListener("click", () => sending(more, async () => {
    try {
      fill(await api(path(cursor)));
    } catch (e) {
      $("rv-error").textContent = problem(e);
    }
  }, t("notes.more.loading")));
  await load();
});
