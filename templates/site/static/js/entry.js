// What every way into the portal shares: plain words for Cognito's errors, and where to go
// once signed in.
import { api } from "./api.js";
import { AuthError, clear } from "./auth.js";
import { preferredLanguage, t, url } from "./i18n.js";

export function authMessage(error) {
  if (!(error instanceof AuthError)) return t("error.generic");
  const text = (error.message || "").toLowerCase();
  switch (error.type) {
    case "NotAuthorizedException":
      if (text.includes("disabled")) return t("error.disabled");
      if (text.includes("attempts")) return t("error.attempts");
      return t("error.credentials");
    case "UserNotFoundException":
      return t("error.credentials");
    case "InvalidPasswordException":
      return t("error.weakpassword");
    case "TooManyRequestsException":
    case "LimitExceededException":
      return t("error.attempts");
    case "CodeMismatchException":
    case "ExpiredCodeException":
      return t("error.code");
    case "NetworkError":
      return t("error.network");
    default:
      return t("error.generic");
  }
}

/** After sign-in: to the page asked for, in the contact's language. */
export async function enter() {
  let me;
  try {
    me = await api("/me");
  } catch (e) {
    clear();
    throw e.status === 403 ? new Error(t("error.inactive")) : e;
  }
  const language = preferredLanguage() || me.language;
  const next = new URLSearchParams(location.search).get("next");
  let target = next && next.startsWith("/") && !next.startsWith("//") ? next : url("/", language);
  const bare = target.replace(/^\/fi(?=\/)/, "");
  target = url(bare, language);
  location.assign(target);
}
