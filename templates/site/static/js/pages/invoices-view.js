// One invoice: its lines, taxes and totals, the details beside them, the PDF to download
// and a copy to ask for by e-mail or post.
import { api, newKey } from "../api.js";
import { t } from "../i18n.js";
import { start } from "../shell.js";
import { $, sending } from "./bookings-common.js";
import { amount, day, decimal, percent, problem, statusBadge } from "./invoices-common.js";

const SKELETON_AFTER_MS = 200;

function cells(tr, labels, values, numeric) {
  values.forEach((value, i) => {
    const td = document.createElement("td");
    td.dataset.label = labels[i];
    td.textContent = value;
    if (numeric.includes(i)) td.className = "num";
    tr.append(td);
  });
  return tr;
}

/** Every message on the page goes at the next action. */
function clearMessages() {
  for (const id of ["pdf-status", "pdf-error", "copy-error", "copy-result"]) $(id).textContent = "";
}

function render(inv) {
  const cur = inv.currency;
  document.title = `${t("invoices.invoice.number", { number: inv.number })} · ${document.title.split(" · ").pop()}`;
  $("inv-title").textContent = t("invoices.invoice.number", { number: inv.number });
  $("inv-account").textContent = inv.account_name || "";
  $("inv-status").replaceChildren(statusBadge(inv.status));
  $("inv-total").textContent = amount(inv.total, cur);
  $("inv-issued").textContent = day(inv.issue_date);
  $("inv-due").textContent = day(inv.due_date);
  $("inv-reference").textContent = inv.payment_reference || t("invoices.reference.none");
  $("inv-paid").textContent = day(inv.paid_on);
  $("inv-paid").hidden = $("inv-paid-label").hidden = !inv.paid_on;
  const note = $("inv-state-note");
  note.className = `inv-state-note inv-note-${inv.status}`;
  note.hidden = false;
  if (inv.status === "overdue") note.textContent = t("invoices.note.overdue", { date: day(inv.due_date) });
  else if (inv.status === "open") note.textContent = t("invoices.note.open", { date: day(inv.due_date) });
  else if (inv.status === "paid") note.textContent = t("invoices.note.paid", { date: day(inv.paid_on) });
  else if (inv.status === "cancelled") {
    note.textContent = inv.cancelled_reason
      ? t("invoices.note.cancelled.reason", { reason: inv.cancelled_reason }) : t("invoices.note.cancelled");
  } else note.hidden = true;

  const lineLabels = ["description", "quantity", "unit_price", "tax_rate", "net"].map((k) => t(`invoices.line.${k}`));
  $("lines").replaceChildren(...inv.lines.map((ln) => cells(document.createElement("tr"), lineLabels,
    [ln.description, decimal(ln.quantity), amount(ln.unit_price, cur), percent(ln.tax_rate), amount(ln.net, cur)],
    [1, 2, 3, 4])));
  const taxLabels = ["rate", "net", "tax"].map((k) => t(`invoices.tax.${k}`));
  $("taxes").replaceChildren(...inv.taxes.map((x) => cells(document.createElement("tr"), taxLabels,
    [percent(x.rate), amount(x.net, cur), amount(x.tax, cur)], [1, 2])));
  $("total-net").textContent = amount(inv.net_total, cur);
  $("total-tax").textContent = amount(inv.tax_total, cur);
  $("total-total").textContent = amount(inv.total, cur);
}

start(async () => {
  const id = (new URLSearchParams(location.search).get("id") || "").trim();
  if (!id) {
    $("invoice-problem").textContent = t("invoices.error.missing");
    return;
  }
  const path = `/invoices/${encodeURIComponent(id)}`;
  const grey = setTimeout(() => {
    const bars = ["skeleton title", "skeleton", "skeleton"].map((c) => {
      const div = document.createElement("div");
      div.className = c;
      return div;
    });
    $("invoice-loading").replaceChildren(...bars);
  }, SKELETON_AFTER_MS);
  let inv;
  try {
    inv = await api(path);
  } catch (e) {
    $("invoice-problem").textContent = problem(e);
    return;
  } finally {
    clearTimeout(grey);
    $("invoice-loading").replaceChildren();
  }
  render(inv);
  $("invoice").hidden = false;

  $("pdf").addEventListener("click", () => {
    clearMessages();
    return sending($("pdf"), async () => {
      try {
        const link = await api(`${path}/pdf`);
        const a = document.createElement("a");
        a.href = link.url;
        a.download = link.filename;
        document.body.append(a);
        a.click();
        a.remove();
        $("pdf-status").textContent = t("invoices.pdf.started", { file: link.filename });
      } catch (e) {
        $("pdf-error").textContent = problem(e);
      }
    }, t("invoices.pdf.preparing"));
  });

  let copyKey = newKey(); // sent with every try of this one
  $("copy-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const send = $("copy-send");
    if (send.dataset.busy) return;
    clearMessages();
    const channel = $("copy-form").querySelector('input[name="channel"]:checked').value;
    const note = $("copy-note").value.trim();
    sending(send, async () => {
      try {
        await api(`${path}/copy-requests`, { method: "POST", body: { channel, note }, key: copyKey });
        copyKey = newKey();
        $("copy-note").value = "";
        $("copy-result").textContent = t(`invoices.copy.done.${channel}`, { number: inv.number });
      } catch (e) {
        $("copy-error").textContent = problem(e, { 429: "invoices.copy.limit", 422: "invoices.copy.invalid" });
      }
    });
  });
});
