// Staff's list of everyone with a login, found by a part of the name or e-mail address,
// with the accounts each belongs to (each opens on its account page) and the roles there.
import { t, url } from "../i18n.js";
import { start } from "../shell.js";
import { useStyles } from "./bookings-common.js";
import { staffList } from "./staff-list.js";

start(async () => {
  useStyles();
  await staffList("people", "/people", (person, cell) => {
    cell("people.name").textContent = person.name || "–";
    cell("people.email").textContent = person.email;
    const list = document.createElement("ul");
    list.className = "plain";
    for (const a of person.accounts) {
      const li = document.createElement("li");
      const link = document.createElement("a");
      link.href = `${url("/account/")}?id=${encodeURIComponent(a.account_id)}`;
      link.textContent = a.account_name;
      const roles = a.roles.map((r) => t(`role.${r}`)).join(", ");
      li.append(link, `: ${roles}${a.active ? "" : ` ${t("people.inactive")}`}`);
      list.append(li);
    }
    cell("people.accounts").append(list);
    cell("people.active").textContent = t(person.active ? "people.yes" : "people.no");
  }, { errors: { 403: "people.error.forbidden" } });
});
