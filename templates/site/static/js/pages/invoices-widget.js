// The dashboard's invoices widget: what the account owes per currency, overdue first and
// in red, with the way to the overdue invoices.
import { api } from "../api.js";
import { t, url } from "../i18n.js";
import { loader, useStyles } from "./bookings-common.js";
import { amount } from "./invoices-common.js";

// The balance, fetched once per page however often the dashboard redraws its widgets.
let owing = null;

function fetchBalance(me) {
  owing ??= api(`/accounts/${encodeURIComponent(me.account_id)}/balance`);
  return owing.catch((e) => {
    owing = null;
    throw e;
  });
}

function link(path, text) {
  const a = document.createElement("a");
  a.href = url(path);
  a.textContent = text;
  return a;
}

function line(className, text) {
  const p = document.createElement("p");
  p.className = className;
  p.textContent = text;
  return p;
}

function invoices(count) {
  return t(count === 1 ? "widget.invoices.one" : "widget.invoices.many", { count });
}

/** Fill the widget `item` with the balance of `me`'s acting account. */
export function balanceWidget(item, me) {
  useStyles();
  const body = document.createElement("div");
  body.className = "widget-body inv-balance";
  item.querySelector(".widget-body").replaceWith(body);
  loader(body, () => fetchBalance(me), (balance) => {
    const owed = balance.currencies.filter((c) => c.total || c.open_count || c.overdue_count);
    if (!owed.length) {
      body.replaceChildren(line("", t("widget.invoices.none")), link("/invoices/", t("widget.invoices.all")));
      return;
    }
    const parts = [];
    for (const c of owed) {
      parts.push(line("inv-owed", t("widget.invoices.owed", { amount: amount(c.total, c.currency) })));
      if (c.overdue_count) {
        parts.push(line("inv-late", t("widget.invoices.overdue",
          { amount: amount(c.overdue, c.currency), invoices: invoices(c.overdue_count) })));
      }
      if (c.open_count) {
        parts.push(line("inv-open", t("widget.invoices.open",
          { amount: amount(c.open, c.currency), invoices: invoices(c.open_count) })));
      }
    }
    const links = document.createElement("p");
    links.className = "inv-widget-links";
    if (owed.some((c) => c.overdue_count)) {
      links.append(link("/invoices/?status=overdue", t("widget.invoices.see_overdue")));
    }
    links.append(link("/invoices/", t("widget.invoices.all")));
    body.replaceChildren(...parts, links);
  }, { rows: 2, errors: { 403: "widget.invoices.forbidden" } })();
}
