// Staff's list of every account, by name, found by a part of its name or number; each
// opens on the account page (its people and invitations).
import { api } from "../api.js";
import { t, url } from "../i18n.js";
import { start } from "../shell.js";
import { known, loader, useStyles } from "./bookings-common.js";

const $ = (id) => document.getElementById(id);

start(async () => {
  useStyles();
  const tbody = $("accounts").tBodies[0];
  let cursor = null;
  let q = "";
  let shown = []; // the pages read so far: "Show more" adds the next under them

  function path() {
    const params = new URLSearchParams({ limit: "25" });
    if (q) params.set("q", q);
    if (cursor) params.set("cursor", cursor);
    return `/accounts?${params}`;
  }

  function row(a) {
    const tr = tbody.insertRow();
    const cell = (label) => {
      const td = tr.insertCell();
      td.dataset.label = t(label);
      return td;
    };
    const link = document.createElement("a");
    link.href = `${url("/account/")}?id=${encodeURIComponent(a.id)}`;
    link.textContent = a.name;
    cell("accounts.name").append(link);
    cell("accounts.number").textContent = a.number;
    cell("accounts.kind").textContent = known(`accounts.kind.${a.kind}`, a.kind);
    cell("accounts.tier").textContent = known(`accounts.tier.${a.tier}`, a.tier);
    cell("accounts.status").textContent = known(`accounts.status.${a.status}`, a.status);
  }

  const load = loader(tbody, () => api(path()), (page) => {
    shown = cursor ? shown.concat(page.items) : page.items;
    shown.forEach(row);
    cursor = page.next_cursor;
    $("accounts-more").hidden = !cursor;
    $("accounts-empty").hidden = shown.length > 0;
    $("accounts-empty").textContent = q ? t("accounts.search.none", { q }) : t("accounts.none");
  }, { rows: 5, errors: { 403: "accounts.error.forbidden" } });

  $("account-search").addEventListener("submit", (event) => {
    event.preventDefault();
    q = $("account-q").value.trim();
    cursor = null;
    load();
  });
  $("account-q").addEventListener("search", () => { // the box's own clear button
    q = "";
    cursor = null;
    load();
  });
  $("accounts-more").addEventListener("click", () => load({ quiet: true }));
  await load();
});
