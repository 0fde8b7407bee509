// The account's people and invitations, for those who may see or manage them: the caller's
// own account, or (staff, from the list of accounts) the one named by `?id=`.
import { api, newKey } from "../api.js";
import { date, t, url } from "../i18n.js";
import { notice, start } from "../shell.js";
import { known } from "./bookings-common.js";
import { changeRequestsPanel, mayAsk } from "./change-requests.js";

const $ = (id) => document.getElementById(id);

function roleBoxes(container, roles, chosen, name, disabled) {
  for (const role of roles) {
    const label = document.createElement("label");
    label.className = "choice";
    const box = document.createElement("input");
    box.type = "checkbox";
    box.name = name;
    box.value = role;
    box.checked = chosen.includes(role);
    box.disabled = disabled;
    label.append(box, ` ${t(`role.${role}`)}`);
    container.append(label);
  }
}

function checked(container) {
  return [...container.querySelectorAll("input[type=checkbox]:checked")].map((b) => b.value);
}

async function all(path) {
  const items = [];
  let cursor = null;
  do {
    const page = await api(`${path}?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return items;
}

start(async (me) => {
  const error = $("account-error");
  const staff = me.roles.includes("agent") || me.roles.includes("admin");
  const id = new URLSearchParams(location.search).get("id") || me.account_id;
  const own = id === me.account_id;
  const base = `/accounts/${encodeURIComponent(id)}`;
  const account = await api(base);
  $("account-name").textContent = `${t("account.title")}: ${account.name}`;
  $("account-facts").textContent = [account.number, known(`accounts.kind.${account.kind}`,
    account.kind), known(`accounts.tier.${account.tier}`, account.tier)].join(" · ");
  const can = account.can;
  if (staff) { // the way to (or back to) every account
    $("accounts-link").hidden = false;
    $("accounts-link").firstElementChild.textContent = t(own ? "accounts.link" : "accounts.back");
  }

  async function people() {
    const tbody = $("people").tBodies[0];
    tbody.replaceChildren();
    for (const person of await all(`${base}/contacts`)) {
      const row = tbody.insertRow();
      const who = document.createElement("th");
      who.scope = "row";
      who.textContent = `${person.name} <${person.email}>`;
      row.append(who);
      const roles = document.createElement("fieldset");
      roles.className = "inline";
      const legend = document.createElement("legend");
      legend.className = "visually-hidden";
      legend.textContent = `${t("account.roles")}: ${person.name}`;
      roles.append(legend);
      roleBoxes(roles, can.roles, person.roles, `roles-${person.id}`, !can.manage_people);
      row.insertCell().append(roles);
      const activeLabel = document.createElement("label");
      activeLabel.className = "choice";
      const active = document.createElement("input");
      active.type = "checkbox";
      active.checked = person.active;
      active.disabled = !can.manage_people;
      activeLabel.append(active, ` ${t("account.active")}`);
      row.insertCell().append(activeLabel);
      const actions = row.insertCell();
      if (can.manage_people) {
        const save = document.createElement("button");
        save.type = "button";
        save.textContent = t("account.save");
        save.setAttribute("aria-label", `${t("account.save")}: ${person.name}`);
        save.addEventListener("click", async () => {
          error.textContent = "";
          try {
            await api(`${base}/contacts/${encodeURIComponent(person.id)}`, {
              method: "PATCH", body: { roles: checked(roles), active: active.checked },
            });
            notice(t("account.saved"));
          } catch (e) {
            error.textContent = e.message;
            await people();
          }
        });
        actions.append(save);
      }
    }
  }

  async function invitations() {
    const tbody = $("invitations").tBodies[0];
    tbody.replaceChildren();
    const items = await all(`${base}/invitations`);
    if (!items.length) {
      const cell = tbody.insertRow().insertCell();
      cell.colSpan = 5;
      cell.textContent = t("account.none");
    }
    for (const inv of items) {
      const row = tbody.insertRow();
      row.insertCell().textContent = inv.email;
      row.insertCell().textContent = inv.roles.map((r) => t(`role.${r}`)).join(", ");
      row.insertCell().textContent = t(`status.${inv.status}`);
      row.insertCell().textContent = date(inv.valid_until);
      const actions = row.insertCell();
      if (can.invite && (inv.status === "pending" || inv.status === "expired")) {
        for (const [label, action] of [["account.resend", "resend"], ["account.revoke", "revoke"]]) {
          if (action === "revoke" && inv.status !== "pending") continue;
          const button = document.createElement("button");
          button.type = "button";
          button.textContent = t(label);
          button.setAttribute("aria-label", `${t(label)}: ${inv.email}`);
          button.addEventListener("click", async () => {
            error.textContent = "";
            try {
              const path = `${base}/invitations/${encodeURIComponent(inv.id)}`;
              if (action === "revoke") await api(path, { method: "DELETE" });
              else await api(`${path}/resend`, { method: "POST" });
              notice(t(action === "revoke" ? "account.revoked" : "account.resent"));
            } catch (e) {
              error.textContent = e.message;
            }
            await invitations();
          });
          actions.append(button);
        }
      }
    }
  }

  $("review-link").hidden = !staff || !own;
  // The audit log is the managers' and admins' (the access table's "audit" grants).
  $("audit-link").hidden = !(me.roles.includes("account_manager") || me.roles.includes("admin"));
  if (!own) {
    $("audit-link").firstElementChild.href = `${url("/account/audit/")}?account=${encodeURIComponent(id)}`;
  }
  const asking = own && mayAsk(me) && !staff ? changeRequestsPanel(me) : null;
  await people();
  if (can.invite) {
    $("invite-section").hidden = false;
    $("invitations-section").hidden = false;
    roleBoxes($("invite-roles"), can.roles, [], "invite-role", false);
    $("invite-language").value = me.language;
    let inviteKey = newKey(); // sent with every try of this one
    $("invite-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      error.textContent = "";
      try {
        const created = await api(`${base}/invitations`, {
          method: "POST", key: inviteKey,
          body: { email: $("invite-email").value.trim(), roles: checked($("invite-roles")),
                  language: $("invite-language").value },
        });
        inviteKey = newKey();
        $("invite-sent").textContent = t("account.invite.sent", { email: created.email });
        $("invite-link").href = created.link;
        $("invite-link").textContent = created.link;
        $("invite-result").hidden = false;
        $("invite-form").reset();
        await invitations();
      } catch (e) {
        error.textContent = e.status === 422 ? t("error.generic") : e.message;
      }
    });
    await invitations();
  }
  await asking;
});
