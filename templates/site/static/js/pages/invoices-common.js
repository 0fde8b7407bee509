// What the invoice pages and the dashboard's balance share: money and dates in the page's
// language, statuses in words, the API's errors in words.
import { problemsOf } from "../problems.js";
import { lang, t, url } from "../i18n.js";

export const locale = lang === "fi" ? "fi-FI" : "en-GB";
export const STATUSES = ["open", "overdue", "paid", "cancelled"];

const money = new Map();

/** An amount in minor units (cents) with its currency: "1 561,22 €" / "€1,561.22". */
export function amount(minor, currency) {
  if (!money.has(currency)) {
    money.set(currency, new Intl.NumberFormat(locale, { style: "currency", currency }));
  }
  const format = money.get(currency);
  const digits = format.resolvedOptions().maximumFractionDigits;
  return format.format(minor / 10 ** digits);
}

/** A calendar date ("2026-10-31") as the page's language writes it. */
export function day(iso) {
  if (!iso) return "";
  return new Intl.DateTimeFormat(locale, { timeZone: "UTC", dateStyle: "medium" })
    .format(new Date(`${iso.slice(0, 10)}T00:00:00Z`));
}

/** A decimal written as a string ("0.5") in the page's language. */
export function decimal(text) {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 6 }).format(Number(text));
}

/** A tax rate in percent ("25.5") as "25.5%" / "25,5 %". */
export function percent(text) {
  return new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 3 })
    .format(Number(text) / 100);
}

export function statusName(status) {
  const key = `invoices.status.${status}`;
  const text = t(key);
  return text === key ? t("invoices.status.other") : text;
}

export function statusBadge(status) {
  const span = document.createElement("span");
  span.className = `badge invoice-${status}`;
  span.textContent = statusName(status);
  return span;
}

export function invoiceUrl(id) {
  return `${url("/invoices/view/")}?id=${encodeURIComponent(id)}`;
}

/** An API error in the page's words; `overrides` maps a status or code to a catalogue key. */
export const problem = problemsOf("invoices");
