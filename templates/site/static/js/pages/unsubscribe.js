// Stop one kind of e-mail from the link in a mail, signed in or not: the token names the
// person and the kind; one click turns that mail off.
import { api } from "../api.js";
import { t } from "../i18n.js";
import { start } from "../shell.js";
import { sending } from "./bookings-common.js";
import { $, known, problem } from "./notify-common.js";

const TOKEN = /^[A-Za-z0-9_-]{20,100}$/;

start(async () => {
  const token = new URLSearchParams(location.search).get("token") || "";
  const go = $("unsub-button");
  if (!TOKEN.test(token)) {
    $("unsub-ask").hidden = true;
    $("unsub-error").textContent = t("unsub.error.link");
    $("unsub-prefs").hidden = false;
    return;
  }
  go.addEventListener("click", () => sending(go, async () => {
    $("unsub-error").textContent = "";
    try {
      const done = await api("/notifications/unsubscribe", {
        method: "POST", body: { token }, auth: false,
      });
      $("unsub-result").textContent = t("unsub.done", {
        kind: known(`unsub.kind.${done.section}`, t("unsub.kind.other")),
      });
      $("unsub-ask").hidden = true;
      $("unsub-done").hidden = false;
      $("unsub-prefs").hidden = false;
    } catch (e) {
      $("unsub-error").textContent = problem(e, { 404: "unsub.error.expired", 422: "unsub.error.link" });
      if (e.status === 404 || e.status === 422) {
        $("unsub-ask").hidden = true;
        $("unsub-prefs").hidden = false;
      }
    }
  }, t("unsub.busy")));
});
