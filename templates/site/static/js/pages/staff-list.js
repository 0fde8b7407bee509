// A staff list of every account's records (accounts, people): a page of rows at a time
// under a search box, "Show more" under them, and an empty state in words.
import { api } from "../api.js";
import { t } from "../i18n.js";
import { loader } from "./bookings-common.js";

const $ = (id) => document.getElementById(id);

/** Wires the list `<name>` (table #<name>, form #<name>-search with input #<name>-q,
 * #<name>-empty, #<name>-more) to `path`; `row(item, cell)` fills one row, where
 * `cell(label)` adds a cell named for a phone's card. Returns the first load. */
export function staffList(name, path, row, { errors = {} } = {}) {
  const tbody = $(name).tBodies[0];
  let cursor = null;
  let q = "";
  let shown = []; // the pages read so far: "Show more" adds the next under them

  function address() {
    const params = new URLSearchParams({ limit: "25" });
    if (q) params.set("q", q);
    if (cursor) params.set("cursor", cursor);
    return `${path}?${params}`;
  }

  function render(item) {
    const tr = tbody.insertRow();
    row(item, (label) => {
      const td = tr.insertCell();
      td.dataset.label = t(label);
      return td;
    });
  }

  const load = loader(tbody, () => api(address()), (page) => {
    shown = cursor ? shown.concat(page.items) : page.items;
    shown.forEach(render);
    cursor = page.next_cursor;
    $(`${name}-more`).hidden = !cursor;
    $(`${name}-empty`).hidden = shown.length > 0;
    $(`${name}-empty`).textContent = q ? t(`${name}.search.none`, { q }) : t(`${name}.none`);
  }, { rows: 5, errors });

  function search(words) {
    q = words;
    cursor = null;
    return load();
  }
  $(`${name}-search`).addEventListener("submit", (event) => {
    event.preventDefault();
    search($(`${name}-q`).value.trim());
  });
  $(`${name}-q`).addEventListener("search", () => search("")); // the box's own clear button
  $(`${name}-more`).addEventListener("click", () => load({ quiet: true }));
  return load();
}
