// Staff's list of every account, by name, found by a part of its name or number; each
// opens on the account page (its people and invitations).
import { url } from "../i18n.js";
import { start } from "../shell.js";
import { known, useStyles } from "./bookings-common.js";
import { staffList } from "./staff-list.js";

start(async () => {
  useStyles();
  await staffList("accounts", "/accounts", (a, cell) => {
    const link = document.createElement("a");
    link.href = `${url("/account/")}?id=${encodeURIComponent(a.id)}`;
    link.textContent = a.name;
    cell("accounts.name").append(link);
    cell("accounts.number").textContent = a.number;
    cell("accounts.kind").textContent = known(`accounts.kind.${a.kind}`, a.kind);
    cell("accounts.tier").textContent = known(`accounts.tier.${a.tier}`, a.tier);
    cell("accounts.status").textContent = known(`accounts.status.${a.status}`, a.status);
  }, { errors: { 403: "accounts.error.forbidden" } });
});
