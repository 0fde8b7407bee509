// Accepting an invitation: set a name and password (or prove an existing login), then in.
import { api } from "../api.js";
import { AuthError, signIn } from "../auth.js";
import { t } from "../i18n.js";
import { start } from "../shell.js";
import { authMessage, enter } from "../entry.js";

const $ = (id) => document.getElementById(id);

start(async () => {
  const error = $("invite-error");
  const token = new URLSearchParams(location.search).get("token");
  if (!token) {
    error.textContent = t("invite.missing");
    return;
  }
  const path = `/invitations/${encodeURIComponent(token)}`;
  let invitation;
  try {
    invitation = await api(path, { auth: false });
  } catch (e) {
    error.textContent = e.status === 410 || e.status === 404 ? t("invite.gone") : e.message;
    return;
  }
  const roles = invitation.roles.map((r) => t(`role.${r}`)).join(", ");
  $("invite-intro").textContent = t("invite.intro", { account: invitation.account_name, roles });
  $("invite-email").value = invitation.email;
  // Whether the address already has a login is told only to whoever proves the password:
  // the preview answers the same either way, so the link's holder learns nothing from it.
  let existing = false;
  const useExistingLogin = () => {
    existing = true;
    $("invite-existing").hidden = false;
    $("invite-rules").hidden = true;
    $("again-field").hidden = true;
    $("password-again").required = false;
    $("password-label").textContent = t("signin.password");
    $("password").autocomplete = "current-password";
  };
  $("invite-form").hidden = false;

  $("invite-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    const password = $("password").value;
    if (!existing && password !== $("password-again").value) {
      error.textContent = t("password.mismatch");
      return;
    }
    try {
      await api(`${path}/accept`, {
        method: "POST", auth: false, body: { name: $("name").value.trim(), password },
      });
      await signIn(invitation.email, password);
      await enter();
    } catch (e) {
      if (e.code === "existing_login") {
        // The first time, the hint says what to do; after that, the password was wrong.
        if (existing) error.textContent = t("error.credentials");
        useExistingLogin();
      } else if (e instanceof AuthError) error.textContent = authMessage(e);
      else if (e.status === 410) error.textContent = t("invite.gone");
      else if (e.code === "weak_password") error.textContent = t("error.weakpassword");
      else if (e.status === 422 && JSON.stringify(e.details || "").includes("\"name\"")) {
        error.textContent = t("invite.name.missing");
      } else if (e.status === 422) error.textContent = t("error.weakpassword");
      else error.textContent = e.message;
    }
  });
});
