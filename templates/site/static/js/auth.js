// Sign-in against Cognito from the browser. Tokens live in sessionStorage (gone with the
// tab) and the access token is refreshed before it expires.
import { config } from "./config.js";

const KEY = "portico.session";
const EARLY = 120; // seconds before expiry to refresh

export class AuthError extends Error {
  constructor(type, message) {
    super(message || type);
    this.type = type;
  }
}

async function cognito(action, body) {
  const cfg = await config();
  let res;
  try {
    res = await fetch(`${cfg.cognito.endpoint.replace(/\/$/, "")}/`, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": `AWSCognitoIdentityProviderService.${action}`,
      },
      body: JSON.stringify(body),
    });
  } catch {
    throw new AuthError("NetworkError");
  }
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    const type = String(data.__type || "Error").split("#").pop();
    throw new AuthError(type, data.message);
  }
  return data;
}

function claims(token) {
  const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  return JSON.parse(atob(part));
}

function save(email, result, previous = {}) {
  const session = {
    email,
    accessToken: result.AccessToken,
    refreshToken: result.RefreshToken || previous.refreshToken,
    expiresAt: claims(result.AccessToken).exp,
  };
  sessionStorage.setItem(KEY, JSON.stringify(session));
  schedule(session);
  return session;
}

export function session() {
  const raw = sessionStorage.getItem(KEY);
  return raw ? JSON.parse(raw) : null;
}

export function signedIn() {
  const s = session();
  return Boolean(s && s.refreshToken);
}

export function clear() {
  sessionStorage.removeItem(KEY);
  sessionStorage.removeItem("portico.account");
}

/** Sign in: the session, or {challenge, session} when Cognito asks for a new password. */
export async function signIn(email, password) {
  const cfg = await config();
  const data = await cognito("InitiateAuth", {
    ClientId: cfg.cognito.clientId,
    AuthFlow: "USER_PASSWORD_AUTH",
    AuthParameters: { USERNAME: email, PASSWORD: password },
  });
  if (data.ChallengeName) return { challenge: data.ChallengeName, session: data.Session };
  return save(email, data.AuthenticationResult);
}

export async function setNewPassword(email, challengeSession, password) {
  const cfg = await config();
  const data = await cognito("RespondToAuthChallenge", {
    ClientId: cfg.cognito.clientId,
    ChallengeName: "NEW_PASSWORD_REQUIRED",
    Session: challengeSession,
    ChallengeResponses: { USERNAME: email, NEW_PASSWORD: password },
  });
  return save(email, data.AuthenticationResult);
}

let refreshing = null;

export async function refresh() {
  const current = session();
  if (!current) throw new AuthError("NotSignedIn");
  refreshing ??= (async () => {
    const cfg = await config();
    const data = await cognito("InitiateAuth", {
      ClientId: cfg.cognito.clientId,
      AuthFlow: "REFRESH_TOKEN_AUTH",
      AuthParameters: { REFRESH_TOKEN: current.refreshToken },
    });
    return save(current.email, data.AuthenticationResult, current);
  })().finally(() => { refreshing = null; });
  return refreshing;
}

let timer = null;

function schedule(s) {
  clearTimeout(timer);
  const wait = Math.max(0, (s.expiresAt - EARLY) * 1000 - Date.now());
  timer = setTimeout(() => refresh().catch(() => {}), wait);
}

/** A valid access token, refreshed first if it is about to expire. */
export async function accessToken() {
  const s = session();
  if (!s) throw new AuthError("NotSignedIn");
  if (s.expiresAt - EARLY <= Date.now() / 1000) return (await refresh()).accessToken;
  return s.accessToken;
}

/** Sign out on every device: Cognito revokes the refresh tokens, and the portal refuses
 * the access tokens already handed out (within a minute). */
export async function signOutEverywhere() {
  const s = session();
  window.dispatchEvent(new Event("portico:signout"));
  clear();
  if (!s) return;
  const cfg = await config();
  await fetch(`${cfg.apiUrl}/me/sign-out`, {
    method: "POST", headers: { Authorization: `Bearer ${s.accessToken}` },
  }).catch(() => {});
  await cognito("GlobalSignOut", { AccessToken: s.accessToken }).catch(() => {});
}

export async function forgotPassword(email) {
  const cfg = await config();
  return cognito("ForgotPassword", { ClientId: cfg.cognito.clientId, Username: email });
}

export async function confirmForgotPassword(email, code, password) {
  const cfg = await config();
  return cognito("ConfirmForgotPassword", {
    ClientId: cfg.cognito.clientId, Username: email, ConfirmationCode: code, Password: password,
  });
}

const s = session();
if (s) schedule(s);
