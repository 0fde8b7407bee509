// Cases: the caller's (or the account's, or a staff queue's) cases, and a new-case form.
import { api, newKey } from "../api.js";
import { date, t, url } from "../i18n.js";
import { fieldErrors } from "../fields.js";
import { flash, notice, start } from "../shell.js";
import { sending, useStyles } from "./bookings-common.js";
import { accountCell, attach, due, fileProblem, statusLabel } from "./cases-common.js";
import { suggestArticles } from "./kb-suggest.js";

const $ = (id) => document.getElementById(id);

// The custom fields of each category, rendered into the page from portico.cases.catalog,
// and the roles that open cases of some categories only.
const FIELDS = JSON.parse(document.getElementById("case-categories").textContent);
const ROLE_CATEGORIES = JSON.parse(document.getElementById("case-role-categories").textContent);
const OPENERS = ["contact", "account_manager", "partner", "agent", "admin", "billing"];

/** The categories `me` may open a case in, or null for any. */
function openable(me) {
  const roles = me.roles.filter((r) => OPENERS.includes(r));
  if (!roles.length || roles.some((r) => !ROLE_CATEGORIES[r])) return null;
  return new Set(roles.flatMap((r) => ROLE_CATEGORIES[r]));
}

function customFields() {
  const box = $("custom-fields");
  box.replaceChildren();
  for (const f of FIELDS[$("category").value]) {
    const id = `field-${f.name}`;
    let input;
    if (f.type === "choice") {
      input = document.createElement("select");
      if (!f.required) input.add(new Option("", ""));
      for (const o of f.options) input.add(new Option(t(`choice.${o}`), o));
    } else {
      input = document.createElement("input");
      input.type = f.type === "boolean" ? "checkbox" : f.type === "number" ? "number" : "text";
    }
    input.id = id;
    input.dataset.field = f.name;
    input.dataset.type = f.type;
    input.required = Boolean(f.required);
    const label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = t(`field.${f.name}`);
    const error = document.createElement("p");
    error.id = `${id}-error`;
    error.className = "field-error";
    input.setAttribute("aria-describedby", error.id);
    box.append(label, input, error);
  }
}

function fieldValues() {
  const values = {};
  for (const input of $("custom-fields").querySelectorAll("[data-field]")) {
    const type = input.dataset.type;
    if (type === "boolean") values[input.dataset.field] = input.checked;
    else if (input.value === "") continue;
    else values[input.dataset.field] = type === "number" ? Number(input.value) : input.value;
  }
  return values;
}

/** A snippet as text and <mark> highlights only: the API escapes it, and whatever else it
 * might hold is kept as text, never as mark-up. */
function marked(html) {
  const inert = document.createElement("template");
  inert.innerHTML = html; // a template's content is never run or loaded
  const out = document.createDocumentFragment();
  for (const node of inert.content.childNodes) {
    if (node.nodeName === "MARK") {
      const mark = document.createElement("mark");
      mark.textContent = node.textContent;
      out.append(mark);
    } else {
      out.append(document.createTextNode(node.textContent));
    }
  }
  return out;
}

start(async (me) => {
  const staff = me.roles.includes("agent") || me.roles.includes("admin");
  const scope = $("scope");
  scope.add(new Option(t("cases.mine"), "mine"));
  if (me.roles.includes("account_manager") || staff) {
    scope.add(new Option(t("cases.account"), "account"));
  }
  // A partner works its customers' cases: a list per account it serves, the first shown.
  const served = me.roles.includes("partner") ? me.served_accounts : [];
  for (const a of served) {
    scope.add(new Option(t("cases.served", { account: a.account_name }), `served:${a.account_id}`));
  }
  if (served.length) scope.value = `served:${served[0].account_id}`;
  useStyles(); // secondary buttons
  // Staff read the account, the resolution due time and a Take button on each row.
  if (!staff) for (const th of document.querySelectorAll(".staff-col")) th.remove();
  const columns = staff ? 8 : 5;
  if (staff) {
    scope.add(new Option(t("cases.assigned"), "assigned"));
    for (const q of (await api("/queues")).items) {
      scope.add(new Option(`${t("cases.queue")}: ${t(`queue.${q}`)}`, `queue:${q}`));
    }
    scope.value = "queue:support";
  }
  let cursor = null;

  // What the list shows: the scope's list, or, with words in the search box, the cases
  // that match them: the caller's own, or else every case they may read (the account's for
  // a manager, the served accounts' for a partner, all for staff).
  function listPath() {
    // "queue:<queue>", "served:<account id>" (an id may hold a colon) or a plain scope.
    const [kind, which] = scope.value.replace(":", "\u0000").split("\u0000");
    const q = $("case-q").value.trim();
    const status = $("status-filter").value || tab;
    const params = new URLSearchParams({ limit: "25" });
    if (status) params.set("status", status);
    // Queues and one's assigned cases are by urgency, search results by relevance.
    if (sortable() && !q && status && $("order").value === "oldest") params.set("order", "oldest");
    if (cursor) params.set("cursor", cursor);
    if (kind === "queue" && !q) {
      if (!status) params.set("status", "open");
      return `/queues/${which}/cases?${params}`;
    }
    if (kind === "served") { // one served account's cases, listed or searched
      params.set("scope", "account");
      params.set("account", which);
    } else {
      params.set("scope", !q || kind === "mine" ? kind : "all");
    }
    if (q) params.set("q", q);
    return `${q ? "/cases/search" : "/cases"}?${params}`;
  }

  // While a list loads, grey rows hold its place (the table says it is busy).
  function placeholders(tbody) {
    tbody.replaceChildren();
    for (let i = 0; i < 3; i += 1) {
      const cell = tbody.insertRow().insertCell();
      cell.colSpan = columns;
      const bar = document.createElement("span");
      bar.className = "skeleton";
      bar.setAttribute("aria-hidden", "true");
      cell.append(bar);
    }
  }

  let loading = 0; // a newer load wins over a slower older one
  async function load(more = false) {
    $("cases-error").textContent = "";
    const tbody = $("cases").tBodies[0];
    if (!more) {
      cursor = null;
      placeholders(tbody);
    }
    $("cases").setAttribute("aria-busy", "true");
    const mine = ++loading;
    const q = $("case-q").value.trim();
    try {
      const page = await api(listPath());
      if (mine !== loading) return;
      if (page.jump) { // the words were a case number: open that case
        location.assign(`${url("/cases/view/")}?id=${encodeURIComponent(page.jump)}`);
        return;
      }
      if (!more) tbody.replaceChildren();
      for (const c of page.items) {
        const row = tbody.insertRow();
        // Each cell names its column, which a phone shows beside it (one card a row).
        const cell = (label) => {
          const td = row.insertCell();
          td.dataset.label = t(label);
          return td;
        };
        const link = document.createElement("a");
        link.href = `${url("/cases/view/")}?id=${encodeURIComponent(c.id)}`;
        link.textContent = c.number;
        cell("cases.number").append(link);
        const subject = cell("cases.subject");
        subject.textContent = c.subject;
        if (c.snippet) {
          const text = document.createElement("p");
          text.className = "snippet";
          text.append(marked(c.snippet));
          subject.append(text);
        }
        if (staff) accountCell(cell("cases.account.label"), c.account_id);
        cell("cases.status").textContent = statusLabel(c.status, staff);
        cell("cases.priority").textContent = t(`priority.${c.priority}`);
        if (staff) {
          const when = cell("cases.due.resolution");
          const open = !["resolved", "closed"].includes(c.status);
          const d = due(c.resolution_due);
          when.textContent = open ? d.text : "";
          if (open && d.overdue) when.className = "overdue";
        }
        cell("cases.updated").textContent = date(c.updated_at);
        if (staff) row.insertCell().append(takeButton(c));
      }
      if (!tbody.rows.length) {
        const cell = tbody.insertRow().insertCell();
        cell.colSpan = columns;
        cell.textContent = q ? t("cases.search.none", { q }) : t("cases.none");
      }
      $("search-count").textContent = !q || !page.items.length ? ""
        : page.order === "recent" ? t("cases.search.recent", { q })
          : t(page.next_cursor ? "cases.search.best" : "cases.search.found", { q });
      cursor = page.next_cursor;
      $("more").hidden = !cursor;
    } catch (e) {
      if (mine === loading) {
        $("cases-error").textContent = e.message;
        if (!more) tbody.replaceChildren();
      }
    } finally {
      if (mine === loading) $("cases").removeAttribute("aria-busy");
    }
  }

  // Take a case from the list: read its version, assign it to oneself.
  function takeButton(c) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "secondary";
    if (c.assignee === me.id) {
      button.textContent = t("cases.yours");
      button.disabled = true;
      return button;
    }
    button.textContent = t("cases.take");
    button.setAttribute("aria-label", t("cases.take.label", { number: c.number }));
    button.addEventListener("click", () => sending(button, async () => {
      $("cases-error").textContent = "";
      try {
        const path = `/cases/${encodeURIComponent(c.id)}`;
        const { version } = await api(path);
        await api(path, { method: "PATCH", body: { version, assignee: me.id } });
        notice(t("cases.taken.number", { number: c.number }));
        c.assignee = me.id;
        button.replaceWith(takeButton(c));
      } catch (e) {
        $("cases-error").textContent = e.status === 409 ? t("cases.changed.list") : e.message;
      }
    }));
    return button;
  }

  // Open, Closed or All: the tab narrows the status filter to its own statuses.
  let tab = "";
  function showTab(value) {
    tab = value;
    for (const b of $("case-tabs").querySelectorAll("button")) {
      b.setAttribute("aria-pressed", String(b.dataset.tab === tab));
    }
    for (const option of $("status-filter").options) {
      option.hidden = Boolean(option.value && tab && option.dataset.class !== tab);
    }
    if ($("status-filter").selectedOptions[0]?.hidden) $("status-filter").value = "";
  }
  for (const b of $("case-tabs").querySelectorAll("button")) {
    b.addEventListener("click", () => {
      showTab(b.dataset.tab);
      if (!tab) { // All: every status again, newest first (the only order across both)
        $("status-filter").value = "";
        $("order").value = "newest";
      }
      load();
    });
  }
  // Staff read the statuses in their own words in the filter too.
  for (const option of $("status-filter").options) {
    if (option.value) option.textContent = statusLabel(option.value, staff);
  }
  function sortable() {
    return !scope.value.startsWith("queue:") && scope.value !== "assigned";
  }
  function showOrder() {
    $("order-field").hidden = !sortable();
  }
  showOrder();
  scope.addEventListener("change", () => {
    showOrder();
    load();
  });
  $("status-filter").addEventListener("change", () => {
    // A status picked on All is one of a class: that tab shows it.
    const picked = $("status-filter").selectedOptions[0];
    if (picked?.value && !tab) showTab(picked.dataset.class);
    load();
  });
  $("order").addEventListener("change", () => {
    // Oldest first reads within open or closed cases (the list keeps them apart).
    if ($("order").value === "oldest" && !tab && !$("status-filter").value) showTab("open");
    load();
  });
  $("case-search").addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });
  $("case-q").addEventListener("search", () => load()); // the box's own clear button
  $("more").addEventListener("click", () => load(true));
  const categories = openable(me);
  if (categories) {
    for (const option of [...$("category").options]) {
      if (!categories.has(option.value)) option.remove();
    }
  }
  $("category").addEventListener("change", customFields);
  customFields();
  // Staff and partners open cases for a customer account, which they name.
  const onBehalf = staff || me.roles.includes("partner");
  $("for-account-field").hidden = !onBehalf;
  $("for-account").required = onBehalf;
  if (served.length) {
    // A partner picks one of its customers by name instead of typing an id.
    const pick = document.createElement("select");
    pick.id = "for-account";
    pick.required = true;
    pick.setAttribute("aria-describedby", "for-account-error");
    for (const a of served) pick.add(new Option(a.account_name, a.account_id));
    $("for-account").replaceWith(pick);
    $("for-account-hint").hidden = true;
  }
  // Who the case is for: staff take a phoned-in case for the customer who called, a
  // manager opens one for a colleague. The people come from the account's list, which
  // those two may read; for anyone else the choice stays hidden and the case is theirs.
  const manager = me.roles.includes("account_manager");
  const person = $("for-person");
  let peopleOf = null;
  async function people() {
    const account = onBehalf ? $("for-account").value.trim() : me.account_id;
    if (account === peopleOf) return;
    peopleOf = account;
    person.replaceChildren(new Option(t("cases.for.person.me"), ""));
    $("for-person-field").hidden = true;
    if (!account || !(staff || manager)) return;
    try {
      const page = await api(`/accounts/${encodeURIComponent(account)}/contacts?limit=100`);
      if (peopleOf !== account) return; // another account was named meanwhile
      for (const c of page.items) {
        if (c.active && c.id !== me.id) person.add(new Option(c.name || c.email, c.id));
      }
      $("for-person-field").hidden = person.options.length < 2;
    } catch {
      // an account that does not exist: the account field says so when the form is sent
    }
  }
  $("for-account").addEventListener("change", people);
  if (staff) {
    // Staff find the account by name or number: the list of accounts offers the matches.
    let typed = null;
    let asked = "";
    $("for-account").addEventListener("input", () => {
      clearTimeout(typed);
      typed = setTimeout(async () => {
        const q = $("for-account").value.trim();
        if (q.length < 2 || q === asked) return;
        asked = q;
        try {
          const page = await api(`/accounts?${new URLSearchParams({ q, limit: "10" })}`);
          if (asked !== q) return; // typed on meanwhile
          $("for-account-list").replaceChildren(...page.items.map(
            (a) => new Option(`${a.name} (${a.number})`, a.id)));
        } catch {
          // no suggestions: the id can still be typed
        }
      }, 250);
    });
  }
  people();
  const articles = suggestArticles(me, $("subject"));
  const submission = newKey(); // the page moves to the case once it is made
  const form = $("case-form");
  const errors = fieldErrors(form);
  // A problem the API names, by its field: the custom fields by their own names.
  const ids = { account_id: "for-account", requester_id: "for-person", subject: "subject",
                description: "description", category: "category" };
  const inputFor = ({ field }) => form.querySelector(`[data-field="${CSS.escape(field)}"]`)
    || (ids[field] ? $(ids[field]) : null);

  /** What the form can tell before sending: required fields, the files' types and sizes. */
  function checked() {
    errors.clear();
    const need = (input, key) => {
      if (!input.value.trim()) errors.show(input, t(key));
    };
    if (onBehalf) need($("for-account"), "cases.for.account.missing");
    const subject = $("subject");
    if (subject.value.trim().length < 3) {
      errors.show(subject, t(subject.value.trim() ? "error.field.subject.too_short"
        : "error.field.missing"));
    }
    need($("description"), "error.field.missing");
    for (const input of $("custom-fields").querySelectorAll("[data-field]")) {
      if (input.required && input.type !== "checkbox") need(input, "error.field.missing");
    }
    const files = [...$("new-files").files];
    const { max_count: most } = JSON.parse($("case-files").textContent);
    const problems = files.map(fileProblem).filter(Boolean);
    if (files.length > most) problems.unshift(t("cases.files.count", { count: most }));
    if (problems.length) errors.show($("new-files"), problems.join(" "));
    errors.focusFirst();
    return !form.querySelector("[aria-invalid]");
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    $("cases-error").textContent = "";
    if (!checked()) return;
    const account = $("for-account").value.trim();
    sending(form.querySelector("button[type=submit]"), async () => {
      let created;
      try {
        created = await api("/cases", { method: "POST", key: submission, body: {
          subject: $("subject").value.trim(), description: $("description").value.trim(),
          category: $("category").value, priority: $("priority").value, fields: fieldValues(),
          ...(onBehalf ? { account_id: account } : {}),
          ...(person.value ? { requester_id: person.value } : {}),
        } });
      } catch (e) {
        if (onBehalf && e.status === 404) {
          errors.show($("for-account"), t("cases.for.account.unknown", { account }));
          $("for-account").focus();
        } else if (!errors.fromApi(e, inputFor)) {
          $("cases-error").textContent = e.status === 422 ? t("error.form") : e.message;
        }
        return;
      }
      articles.sent();
      // The case is open; its files follow. One that fails is named on the case's page,
      // where it can be attached again.
      const path = `/cases/${encodeURIComponent(created.id)}`;
      const failed = [];
      for (const file of $("new-files").files) {
        await attach(path, file).catch(() => failed.push(file.name));
      }
      flash(failed.length
        ? t("cases.opened.unattached", { number: created.number, names: failed.join(", ") })
        : t("cases.opened", { number: created.number }));
      location.assign(`${url("/cases/view/")}?id=${encodeURIComponent(created.id)}`);
    }, t("cases.submitting"));
  });
  await load();
});
