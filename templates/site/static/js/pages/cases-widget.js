// The dashboard's cases widget: a customer's own open cases, a manager's account's open
// cases by status, a staff member's own open cases by resolution due.
import { api } from "../api.js";
import { date, t, url } from "../i18n.js";
import { isStaff, loader, useStyles } from "./bookings-common.js";
import { due, statusLabel } from "./cases-common.js";

function link(path, text) {
  const a = document.createElement("a");
  a.href = url(path);
  a.textContent = text;
  return a;
}

export function casesWidget(item, me) {
  useStyles();
  const staff = isStaff(me);
  const manager = me.roles.includes("account_manager");
  const body = document.createElement("div");
  body.className = "widget-body";
  item.querySelector(".widget-body").replaceWith(body);
  const scope = staff ? "assigned" : "mine";
  const fetch = async () => {
    const [mine, account] = await Promise.all([
      api(`/cases?scope=${scope}&status=open&limit=5`),
      manager ? api("/cases?scope=account&status=open&limit=100") : null]);
    return { mine, account };
  };
  loader(body, fetch, ({ mine, account }) => {
    const parts = [];
    if (account) {
      // Counts of the account's open cases per status (the first hundred).
      const counts = {};
      for (const c of account.items) counts[c.status] = (counts[c.status] || 0) + 1;
      const summary = document.createElement("p");
      summary.className = "case-counts";
      summary.textContent = account.items.length
        ? t(account.next_cursor ? "widget.cases.account.many" : "widget.cases.account",
          { count: account.items.length,
            statuses: Object.entries(counts).map(([s, n]) => `${statusLabel(s, false)} ${n}`).join(", ") })
        : t("widget.cases.account.none");
      parts.push(summary);
    }
    if (mine.items.length) {
      const list = document.createElement("ul");
      list.className = "next-bookings";
      for (const c of mine.items) {
        const li = document.createElement("li");
        const when = document.createElement("span");
        when.className = "when";
        if (staff) {
          const d = due(c.resolution_due);
          when.textContent = `${statusLabel(c.status, true)} · ${t("widget.cases.due", { date: d.text })}`;
          if (d.overdue) when.classList.add("overdue");
        } else {
          when.textContent = `${statusLabel(c.status, false)} · ${t("widget.cases.updated", { date: date(c.updated_at) })}`;
        }
        li.append(link(`/cases/view/?id=${encodeURIComponent(c.id)}`, `${c.number}: ${c.subject}`), when);
        list.append(li);
      }
      parts.push(list);
    } else {
      const empty = document.createElement("p");
      empty.textContent = t(staff ? "widget.cases.assigned.empty" : "widget.cases.none");
      parts.push(empty);
    }
    parts.push(link("/cases/", t(staff ? "widget.cases.console" : "widget.cases.all")));
    if (!staff) parts.push(document.createTextNode(" · "), link("/cases/#new-case", t("widget.cases.new")));
    body.replaceChildren(...parts);
  }, { rows: 2 })();
}
