// The API's errors in the page's words. Each area has catalogue entries
// `<area>.error.<signin|forbidden|missing|changed|invalid|busy>`; one it lacks reads as the
// generic error.
import { ApiError } from "./api.js";
import { t } from "./i18n.js";

const KINDS = {
  401: "signin", 403: "forbidden", 404: "missing", 409: "changed",
  400: "invalid", 422: "invalid", 429: "busy", 503: "busy",
};

/** `problem(error, overrides)` for an area; `overrides` maps a status or code to a key. */
export function problemsOf(area) {
  return (error, overrides = {}) => {
    if (!(error instanceof ApiError)) return t("error.generic");
    const key = overrides[error.code] || overrides[error.status];
    if (key) return t(key);
    if (error.status === 0) return t("error.network");
    const entry = KINDS[error.status] && `${area}.error.${KINDS[error.status]}`;
    return entry && t(entry) !== entry ? t(entry) : t("error.generic");
  };
}
