// One case: its details and service level, the conversation, attachments, status, rating.
import { api, newKey } from "../api.js";
import { date, t } from "../i18n.js";
import { notice, start } from "../shell.js";
import { confirmInline, known, sending, useStyles } from "./bookings-common.js";
import { accountCell, attach, due, fileProblem, statusLabel } from "./cases-common.js";

const $ = (id) => document.getElementById(id);

start(async (me) => {
  useStyles(); // secondary buttons and the inline confirmation
  const id = new URLSearchParams(location.search).get("id");
  const path = `/cases/${encodeURIComponent(id || "")}`;
  const staff = me.roles.includes("agent") || me.roles.includes("admin");
  const error = $("case-error");
  let current;

  async function show() {
    try {
      current = await api(path);
    } catch (e) {
      error.textContent = e.status === 404 ? t("cases.missing") : e.message;
      $("case-loading").hidden = true;
      return;
    }
    $("case-loading").hidden = true;
    const c = current;
    $("case").hidden = false;
    $("case-title").textContent = `${c.number}: ${c.subject}`;
    $("case-status").textContent = statusLabel(c.status, staff);
    $("case-priority").textContent = t(`priority.${c.priority}`);
    $("case-category").textContent = t(`category.${c.category}`);
    $("case-aim").textContent = ["resolved", "closed"].includes(c.status) ? "" : t("cases.aim", {
      first: date(c.sla.first_response_due), resolution: date(c.sla.resolution_due) });
    $("case-requester").textContent = t("cases.requester", { name: c.requester_name, date: date(c.created_at) });
    $("case-description").textContent = c.description;
    fields(c.fields);
    // Nobody reads a closed case's thread: a customer reopens it (or opens a new one).
    const closed = !staff && c.status === "closed";
    $("comment-form").hidden = closed;
    $("closed-note").hidden = !closed;
    $("closed-note").textContent = closed ? t(c.allowed_statuses.includes("in_progress")
      ? "cases.closed.reopen" : "cases.closed.new") : "";
    $("internal-field").hidden = !staff;
    if (staff) await work(c);
    // Customers learn that someone has it, staff who.
    $("case-handler").textContent = c.assignee
      ? (staff ? t("cases.handler", { name: staffName(c.assignee) }) : t("cases.handler.agent"))
      : ["resolved", "closed"].includes(c.status) ? ""
        : staff && c.queue ? t("cases.handler.queue", { queue: t(`queue.${c.queue}`) })
          : t("cases.handler.waiting");

    const actions = $("status-actions");
    actions.replaceChildren();
    for (const status of c.allowed_statuses) {
      const button = document.createElement("button");
      button.type = "button";
      // A customer reopens a case (and is asked before closing one); staff set statuses.
      const reopen = !staff && status === "in_progress";
      button.textContent = reopen ? t("cases.reopen")
        : !staff && status === "closed" ? t("cases.close")
          : t("cases.to", { status: statusLabel(status, staff) });
      button.addEventListener("click", async () => {
        error.textContent = "";
        if (!staff && status === "closed" && !await confirmInline(button,
          t("cases.close.confirm"), t("cases.close.yes"), t("cases.close.no"))) return;
        await sending(button, async () => {
          const patch = (version) => api(path, { method: "PATCH", body: { version, status } });
          try {
            await patch(current.version).catch(async (e) => {
              if (e.status !== 409) throw e;
              // Changed meanwhile (a reply, the portal's routing): the same status on the
              // case as it is now, if it may still go there.
              const now = await api(path);
              if (!now.allowed_statuses.includes(status)) throw e;
              await patch(now.version);
            });
          } catch (e) {
            error.textContent = e.status === 409 ? t("cases.changed") : e.message;
          }
        });
        await show();
      });
      actions.append(button);
    }
    $("status-section").hidden = !c.allowed_statuses.length;
    const rateable = !staff && ["resolved", "closed"].includes(c.status);
    $("rating-section").hidden = !rateable || Boolean(c.satisfaction);
    $("rated").hidden = !c.satisfaction;
    if (c.satisfaction) $("rated").textContent = t("cases.rated", { rating: c.satisfaction.rating });
    await Promise.all([thread(), attachments()]);
  }

  // The category's own questions, as the customer answered them.
  function fields(values) {
    const list = $("case-fields");
    list.replaceChildren();
    for (const [name, value] of Object.entries(values || {})) {
      const term = document.createElement("dt");
      term.textContent = known(`field.${name}`, name);
      const answer = document.createElement("dd");
      answer.textContent = typeof value === "boolean" ? t(value ? "cases.yes" : "cases.no")
        : typeof value === "string" ? known(`choice.${value}`, value) : String(value);
      list.append(term, answer);
    }
    list.hidden = !list.childElementCount;
  }

  // Staff: who works the case, in which queue, how urgent; and its clocks.
  const people = new Map([[me.id, me.name || me.email]]);
  function staffName(id) {
    return id === me.id ? t("cases.assignee.me") : people.get(id) || id;
  }
  let colleagues = null;
  async function work(c) {
    $("work-section").hidden = false;
    accountCell($("work-account"), c.account_id);
    for (const [cell, at] of [["work-first", c.sla.first_responded_at ? null : c.sla.first_response_due],
      ["work-resolution", ["resolved", "closed"].includes(c.status) ? null : c.sla.resolution_due]]) {
      const d = at ? due(at) : null;
      $(cell).textContent = d ? d.text : t("cases.due.met");
      $(cell).className = d && d.overdue ? "overdue" : "";
    }
    if (colleagues === null) {
      colleagues = [];
      const [staffPage, queues] = await Promise.all([
        api(`/accounts/${encodeURIComponent(me.account_id)}/contacts?limit=100`).catch(() => ({ items: [] })),
        api("/queues")]);
      for (const p of staffPage.items) {
        if (p.active && p.roles.some((r) => r === "agent" || r === "admin")) {
          colleagues.push(p);
          people.set(p.id, p.name || p.email);
        }
      }
      $("work-queue").replaceChildren(...queues.items.map((q) => new Option(t(`queue.${q}`), q)));
    }
    const assignee = $("work-assignee");
    assignee.replaceChildren(new Option(t("cases.assignee.none"), ""),
      new Option(t("cases.assignee.me"), me.id),
      ...colleagues.filter((p) => p.id !== me.id).map((p) => new Option(p.name || p.email, p.id)));
    if (c.assignee && ![...assignee.options].some((o) => o.value === c.assignee)) {
      assignee.add(new Option(staffName(c.assignee), c.assignee));
    }
    assignee.value = c.assignee || "";
    $("work-queue").value = c.queue || "";
    $("work-priority").value = c.priority;
    $("take").hidden = c.assignee === me.id;
  }

  async function change(button, body, done) {
    error.textContent = "";
    await sending(button, async () => {
      try {
        await api(path, { method: "PATCH", body: { version: current.version, ...body } });
        notice(done);
      } catch (e) {
        error.textContent = e.status === 409 && e.details && e.details.current_version ? t("cases.changed") : e.message;
      }
    });
    await show();
  }

  $("work-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = {};
    const assignee = $("work-assignee").value;
    if (assignee !== (current.assignee || "")) body.assignee = assignee;
    if ($("work-queue").value && $("work-queue").value !== current.queue) body.queue = $("work-queue").value;
    if ($("work-priority").value !== current.priority) body.priority = $("work-priority").value;
    if (!Object.keys(body).length) {
      notice(t("cases.work.unchanged"));
      return;
    }
    await change(event.submitter || $("work-form").querySelector("button[type=submit]"), body,
      t("cases.work.saved"));
  });
  $("take").addEventListener("click", () => change($("take"), { assignee: me.id }, t("cases.taken")));

  async function thread() {
    const list = $("thread");
    list.replaceChildren();
    let cursor = null;
    do {
      const page = await api(`${path}/comments?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      for (const m of page.items) {
        const item = document.createElement("li");
        item.className = m.internal ? "comment internal" : m.author_is_staff ? "comment staff" : "comment";
        const head = document.createElement("p");
        head.className = "comment-head";
        head.textContent = `${m.author_name} · ${date(m.created_at)}`;
        if (m.internal) {
          const badge = document.createElement("strong");
          badge.textContent = ` ${t("cases.internal.badge")}`;
          head.append(badge);
        }
        const body = document.createElement("p");
        body.className = "comment-body";
        body.textContent = m.body;
        item.append(head, body);
        list.append(item);
      }
      cursor = page.next_cursor;
    } while (cursor);
  }

  // A file downloads once the scanner has passed it; until then the list says so and looks
  // again a few times.
  let recheck = 0;
  async function attachments() {
    const list = $("attachments");
    list.replaceChildren();
    const items = (await api(`${path}/attachments?limit=100`)).items;
    for (const a of items) {
      const item = document.createElement("li");
      if (a.status === "clean") {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "link";
        button.textContent = t("cases.download", { name: a.filename });
        button.addEventListener("click", async () => {
          try {
            const link = await api(`${path}/attachments/${encodeURIComponent(a.id)}`);
            location.assign(link.url);
          } catch (e) {
            error.textContent = e.message;
          }
        });
        item.append(button);
      } else {
        item.textContent = t(a.status === "quarantined" ? "cases.file.quarantined"
          : "cases.file.pending", { name: a.filename });
      }
      list.append(item);
    }
    clearTimeout(recheck);
    if (items.some((a) => a.status === "pending_scan")) {
      recheck = setTimeout(() => attachments().catch(() => {}), 2000);
    }
    return items;
  }

  let commentKey = newKey();
  $("comment-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    try {
      await api(`${path}/comments`, { method: "POST", key: commentKey, body: {
        body: $("comment").value.trim(), internal: staff && $("internal").checked } });
      commentKey = newKey();
      $("comment").value = "";
      $("internal").checked = false;
      await show();
    } catch (e) {
      error.textContent = e.message;
    }
  });

  $("upload-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    const input = $("file");
    const file = input.files[0];
    const problem = file ? fileProblem(file) : t("cases.file.none");
    $("file-error").textContent = problem;
    if (problem) {
      input.setAttribute("aria-invalid", "true");
      input.focus();
      return;
    }
    input.removeAttribute("aria-invalid");
    try {
      const id = await attach(path, file);
      const listed = await attachments();
      if (listed.some((a) => a.id === id)) {
        notice(t("cases.uploaded", { name: file.name }));
        $("upload-form").reset();
      } else {
        error.textContent = t("cases.upload.failed");
      }
    } catch (e) {
      $("file-error").textContent = e.status === 422 ? t("cases.file.refused", { name: file.name })
        : e.message;
    }
  });

  $("rating-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    try {
      await api(`${path}/satisfaction`, { method: "POST", body: {
        rating: Number($("rating").value),
        ...($("rating-comment").value.trim() ? { comment: $("rating-comment").value.trim() } : {}),
      } });
      await show();
    } catch (e) {
      error.textContent = e.message;
    }
  });

  await show();
});
