// Forgotten password: Cognito e-mails a code; the code and a new password reset it.
import { AuthError, confirmForgotPassword, forgotPassword } from "../auth.js";
import { start } from "../shell.js";
import { authMessage } from "../entry.js";

const $ = (id) => document.getElementById(id);

start(async () => {
  const error = $("forgot-error");
  let email = "";
  $("request-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    email = $("email").value.trim().toLowerCase();
    try {
      await forgotPassword(email);
    } catch (e) {
      // Say the same whether or not the address has a login.
      if (!(e instanceof AuthError) || e.type !== "UserNotFoundException") {
        error.textContent = authMessage(e);
        return;
      }
    }
    $("request-form").hidden = true;
    $("reset-form").hidden = false;
    $("code").focus();
  });
  $("reset-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    try {
      await confirmForgotPassword(email, $("code").value.trim(), $("new-password").value);
      $("reset-form").hidden = true;
      $("reset-done").hidden = false;
    } catch (e) {
      error.textContent = authMessage(e);
    }
  });
});
