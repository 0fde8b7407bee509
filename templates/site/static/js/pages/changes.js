// Asking for a change to the account's details, for those who may (account managers and
// billing contacts); staff are sent to the review page.
import { t, url } from "../i18n.js";
import { start } from "../shell.js";
import { changeRequestsPanel, mayAsk } from "./change-requests.js";
import { $, isStaff } from "./notify-common.js";

start(async (me) => {
  if (isStaff(me)) {
    location.replace(url("/account/review/"));
    return;
  }
  if (!mayAsk(me)) {
    $("cr-page-error").textContent = t("cr.error.role");
    return;
  }
  await changeRequestsPanel(me);
});
