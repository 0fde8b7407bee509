// What the case pages share: status words for the reader, and service-level due times.
import { date, t } from "../i18n.js";

/** A status in the reader's words: staff see "Waiting on the customer" where the customer
 * reads "Waiting for you". */
export function statusLabel(status, staff) {
  return t(staff ? `status.staff.${status}` : `status.${status}`);
}

/** A due time as text, and whether it has passed. */
export function due(iso) {
  const overdue = Date.parse(iso) < Date.now();
  return { overdue, text: overdue ? t("cases.overdue", { date: date(iso) }) : date(iso) };
}
