// What the case pages share: status words for the reader, service-level due times, files.
import { api } from "../api.js";
import { date, t, url } from "../i18n.js";

// Account names by id, read once per page (staff see many accounts' cases).
const accountNames = new Map();

/** Puts the name of account `id` into `cell` (its id until the name is known), linked to
 * the account's page. */
export function accountCell(cell, id) {
  const link = document.createElement("a");
  link.href = `${url("/account/")}?id=${encodeURIComponent(id)}`;
  link.textContent = id;
  cell.replaceChildren(link);
  if (!accountNames.has(id)) {
    accountNames.set(id, api(`/accounts/${encodeURIComponent(id)}`).then((a) => a.name)
      .catch(() => id));
  }
  accountNames.get(id).then((name) => { link.textContent = name; });
}

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

// -- files ---------------------------------------------------------------------------------
// What a case takes (infra/site.py renders it from the API's own list): types with their
// file name endings, and the largest size.
let rules = null;
function fileRules() {
  rules ??= JSON.parse(document.getElementById("case-files").textContent);
  return rules;
}

/** The type the API is told: the browser's, or the one its name's ending says. */
export function fileType(file) {
  const { types } = fileRules();
  if (file.type && types[file.type]) return file.type;
  const name = file.name.toLowerCase();
  const found = Object.entries(types).find(([, ends]) => ends.some((e) => name.endsWith(e)));
  return found ? found[0] : file.type || "application/octet-stream";
}

/** Why a file cannot be attached, in the page's language; "" when it can. */
export function fileProblem(file) {
  const { types, max_bytes: max, max_mb: mb, names } = fileRules();
  if (!types[fileType(file)]) return t("cases.file.type", { name: file.name, types: names });
  if (file.size > max) return t("cases.file.size", { name: file.name, mb });
  if (file.size === 0) return t("cases.file.empty", { name: file.name });
  return "";
}

/** Attach a file to a case: the API's upload form, then the file straight to storage. The
 * attachment's id; whether it landed shows in the case's list. */
export async function attach(casePath, file) {
  const upload = await api(`${casePath}/attachments`, { method: "POST", body: {
    filename: file.name, content_type: fileType(file), size: file.size } });
  const form = new FormData();
  for (const [k, v] of Object.entries(upload.fields)) form.append(k, v);
  form.append("file", file);
  // The storage answers without CORS headers locally; the case's list tells if it landed.
  await fetch(upload.url, { method: "POST", body: form, mode: "no-cors" });
  return upload.attachment_id;
}
