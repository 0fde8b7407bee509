// Sign-in, with Cognito's first-login new-password challenge.
import { AuthError, setNewPassword, signIn } from "../auth.js";
import { authMessage, enter } from "../entry.js";
import { t } from "../i18n.js";
import { start } from "../shell.js";

const $ = (id) => document.getElementById(id);

start(async () => {
  const error = $("signin-error");
  let challenge = null;
  let email = "";

  $("signin-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    email = $("email").value.trim().toLowerCase();
    try {
      const result = await signIn(email, $("password").value, $("remember").checked);
      if (result.challenge === "NEW_PASSWORD_REQUIRED") {
        challenge = result.session;
        $("challenge-username").value = email;
        $("signin-form").hidden = true;
        $("newpassword-form").hidden = false;
        $("new-password").focus();
        return;
      }
      await enter();
    } catch (e) {
      error.textContent = e instanceof AuthError ? authMessage(e) : e.message;
      $("password").focus();
    }
  });

  $("newpassword-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    if ($("new-password").value !== $("new-password-again").value) {
      error.textContent = t("password.mismatch");
      return;
    }
    try {
      await setNewPassword(email, challenge, $("new-password").value, $("remember").checked);
      await enter();
    } catch (e) {
      error.textContent = e instanceof AuthError ? authMessage(e) : e.message;
    }
  });
});
