// Invoices: the account's invoices, newest first, filtered by status and issue date (the
// filters live in the address, so a reload or a shared link keeps them), a page at a time.
import { api } from "../api.js";
import { t, url } from "../i18n.js";
import { start } from "../shell.js";
import { $, button, isStaff, sending } from "./bookings-common.js";
import { STATUSES, amount, day, invoiceUrl, problem, statusBadge } from "./invoices-common.js";

const PAGE = 25;
const SKELETON_AFTER_MS = 200; // a quick answer replaces the rows without a grey flash
const SLOW_MS = 10_000;
const FILTERS = ["status", "from", "to", "account"];

function readFilters() {
  const query = new URLSearchParams(location.search);
  const f = Object.fromEntries(FILTERS.map((k) => [k, (query.get(k) || "").trim()]));
  if (!STATUSES.includes(f.status)) f.status = "";
  for (const k of ["from", "to"]) if (!/^\d{4}-\d{2}-\d{2}$/.test(f[k])) f[k] = "";
  return f;
}

function cell(label, ...content) {
  const td = document.createElement("td");
  td.dataset.label = label;
  td.append(...content);
  return td;
}

function row(inv) {
  const tr = document.createElement("tr");
  tr.className = `invoice-row invoice-row-${inv.status}`;
  tr.dataset.invoice = inv.id;
  const link = document.createElement("a");
  link.href = invoiceUrl(inv.id);
  link.textContent = inv.number;
  const due = document.createElement("span");
  due.textContent = day(inv.due_date);
  if (inv.status === "overdue") due.className = "inv-late";
  const total = cell(t("invoices.col.total"), amount(inv.total, inv.currency));
  total.className = "num";
  tr.append(cell(t("invoices.col.number"), link), cell(t("invoices.col.status"), statusBadge(inv.status)),
    cell(t("invoices.col.issued"), day(inv.issue_date)), cell(t("invoices.col.due"), due), total);
  return tr;
}

function skeletonRows(count) {
  return Array.from({ length: count }, () => {
    const tr = document.createElement("tr");
    tr.className = "inv-skeleton";
    tr.setAttribute("aria-hidden", "true");
    const td = document.createElement("td");
    td.colSpan = 5;
    const bar = document.createElement("div");
    bar.className = "skeleton";
    td.append(bar);
    tr.append(td);
    return tr;
  });
}

start(async (me) => {
  const staff = isStaff(me);
  const rows = $("rows");
  const more = $("more");
  let filters = readFilters();
  let cursor = null;
  let count = 0;
  let generation = 0;

  $("f-account-field").hidden = !staff;

  function showFilters() {
    $("f-status").value = filters.status;
    $("f-from").value = filters.from;
    $("f-to").value = filters.to;
    $("f-account").value = filters.account;
    $("f-clear").hidden = !FILTERS.some((k) => filters[k]);
  }

  function path(after) {
    const query = new URLSearchParams({ limit: String(PAGE) });
    if (filters.status) query.set("status", filters.status);
    if (filters.from) query.set("from", filters.from);
    if (filters.to) query.set("to", filters.to);
    if (staff && filters.account) query.set("account_id", filters.account);
    if (after) query.set("cursor", after);
    return `/invoices?${query}`;
  }

  function sayError(text, retry) {
    const box = $("list-error");
    box.replaceChildren(text);
    if (retry) {
      const again = button(t("invoices.retry"), { className: "secondary inv-retry" });
      again.addEventListener("click", () => load());
      box.append(" ", again);
    }
  }

  function clearMessages() {
    $("list-error").replaceChildren();
    $("f-dates-error").textContent = "";
    $("f-from").removeAttribute("aria-invalid");
    $("f-to").removeAttribute("aria-invalid");
  }

  function emptyState() {
    const filtered = Boolean(filters.status || filters.from || filters.to);
    $("empty-text").textContent = t(filtered ? "invoices.none.filtered" : "invoices.none");
    const action = $("empty-action");
    action.replaceChildren();
    if (filtered) {
      const clear = button(t("invoices.filter.clear"), { className: "secondary" });
      clear.addEventListener("click", () => apply({ status: "", from: "", to: "" }));
      action.append(clear);
    } else if (staff && !filters.account) {
      $("empty-text").textContent = t("invoices.none.staff");
      action.append(t("invoices.none.staff.hint"));
    } else {
      const a = document.createElement("a");
      const cases = me.sections.includes("cases");
      a.href = url(cases ? "/cases/#new-case" : "/kb/");
      a.textContent = t(cases ? "invoices.none.case" : "invoices.none.kb");
      action.append(a);
    }
  }

  function fill(page) {
    for (const inv of page.items) rows.append(row(inv));
    count += page.items.length;
    cursor = page.cursor || null;
    more.hidden = !cursor;
    $("list-empty").hidden = count > 0;
    if (!count) emptyState();
    $("list-count").textContent = count
      ? t(cursor ? "invoices.count.more" : (count === 1 ? "invoices.count.one" : "invoices.count"), { count })
      : "";
  }

  async function load() {
    const mine = ++generation;
    clearMessages();
    more.hidden = true;
    rows.setAttribute("aria-busy", "true");
    const grey = setTimeout(() => {
      rows.replaceChildren(...skeletonRows(3));
      $("list-empty").hidden = true;
      $("list-count").textContent = "";
    }, SKELETON_AFTER_MS);
    const slow = setTimeout(() => sayError(t("invoices.slow"), true), SLOW_MS);
    try {
      const page = await api(path(null));
      if (mine !== generation) return;
      // Only the list's own message: a date error said while this was on its way stays.
      $("list-error").replaceChildren();
      rows.replaceChildren();
      cursor = null;
      count = 0;
      fill(page);
    } catch (e) {
      if (mine !== generation) return;
      rows.replaceChildren();
      $("list-count").textContent = "";
      $("list-empty").hidden = true;
      sayError(problem(e, { 400: "invoices.error.dates" }), e.status !== 403 && e.status !== 400);
    } finally {
      clearTimeout(grey);
      clearTimeout(slow);
      if (mine === generation) rows.removeAttribute("aria-busy");
    }
  }

  /** New filters: into the address (a reload or a shared link keeps them), then the list. */
  function apply(changes) {
    filters = { ...filters, ...changes };
    const query = new URLSearchParams();
    for (const k of FILTERS) if (filters[k]) query.set(k, filters[k]);
    const search = query.toString();
    history.replaceState(null, "", location.pathname + (search ? `?${search}` : ""));
    showFilters();
    return load();
  }

  function fromForm() {
    const wanted = { status: $("f-status").value, from: $("f-from").value, to: $("f-to").value,
      account: staff ? $("f-account").value.trim() : "" };
    if (wanted.from && wanted.to && wanted.from > wanted.to) {
      clearMessages();
      $("f-dates-error").textContent = t("invoices.error.order");
      $("f-to").setAttribute("aria-invalid", "true");
      return;
    }
    apply(wanted);
  }

  $("filters").addEventListener("submit", (event) => {
    event.preventDefault();
    fromForm();
  });
  for (const id of ["f-status", "f-from", "f-to"]) $(id).addEventListener("change", fromForm);
  $("f-clear").addEventListener("click", () => {
    apply({ status: "", from: "", to: "", account: "" });
    $("f-status").focus();
  });

  more.addEventListener("click", () => sending(more, async () => {
    clearMessages();
    const mine = generation;
    try {
      const page = await api(path(cursor));
      if (mine === generation) fill(page);
    } catch (e) {
      if (mine === generation) sayError(problem(e), false);
    }
  }, t("invoices.more.loading")));

  showFilters();
  await load();
});
