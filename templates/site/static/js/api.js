// The portal's API: JSON in and out, the caller's token and the account they act in.
import { accessToken, AuthError } from "./auth.js";
import { config } from "./config.js";
import { t } from "./i18n.js";

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export function actingAccount() {
  return sessionStorage.getItem("portico.account");
}

export function actIn(accountId) {
  sessionStorage.setItem("portico.account", accountId);
}

/** A key for one thing the user asks to create: sent again with every retry of it (a double
 * click, a resend after a lost answer), the API makes it once. A new one after success. */
export function newKey() {
  return crypto.randomUUID();
}

export async function api(path, { method = "GET", body, auth = true, key } = {}) {
  const cfg = await config();
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (key) headers["Idempotency-Key"] = key;
  if (auth) {
    try {
      headers.Authorization = `Bearer ${await accessToken()}`;
    } catch (e) {
      if (e instanceof AuthError) throw new ApiError(401, "unauthorized", e.message);
      throw e;
    }
    const account = actingAccount();
    if (account) headers["X-Portico-Account"] = account;
  }
  let res;
  try {
    res = await fetch(cfg.apiUrl + path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, "network", t("error.network"));
  }
  if (res.status === 204) return null;
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    const error = (data && data.error) || {};
    throw new ApiError(res.status, error.code || "error",
      error.message || (data && data.message) || t("error.generic"), error.details);
  }
  return data;
}
