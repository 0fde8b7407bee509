// Sign-in against Cognito from the browser; the access token is refreshed before it expires.
//
// Where the session lives: with "Keep me signed in" in localStorage, so every tab has it and
// it outlives the browser; without, in each tab's sessionStorage, and a tab that opens
// without one (a link opened in a new tab, an e-mailed link) asks the portal's open tabs
// for theirs over a BroadcastChannel, so the session is the browser's until its last portal
// tab closes. Signing out in one tab signs out all of them. The risk of localStorage is a
// script of another origin's making reading the refresh token; the site's CSP lets no
// inline or foreign script run, and only those who ask to be remembered keep it there.
import { config } from "./config.js";

const KEY = "portico.session";
const EARLY = 120; // seconds before expiry to refresh
const ASK_MS = 300; // how long a new tab waits for an open one to lend its session
const channel = "BroadcastChannel" in window ? new BroadcastChannel("portico.auth") : null;

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

function remembered() {
  return localStorage.getItem(KEY) !== null;
}

function keep(session, remember) {
  (remember ? localStorage : sessionStorage).setItem(KEY, JSON.stringify(session));
  (remember ? sessionStorage : localStorage).removeItem(KEY);
  schedule(session);
}

function save(email, result, previous = {}, remember = remembered()) {
  const session = {
    email,
    accessToken: result.AccessToken,
    refreshToken: result.RefreshToken || previous.refreshToken,
    expiresAt: claims(result.AccessToken).exp,
  };
  keep(session, remember);
  // The other tabs take the new tokens (a sign-in, or a refresh) as theirs.
  channel?.postMessage({ type: "session", session, remember });
  return session;
}

export function session() {
  const raw = sessionStorage.getItem(KEY) ?? localStorage.getItem(KEY);
  return raw ? JSON.parse(raw) : null;
}

export function signedIn() {
  const s = session();
  return Boolean(s && s.refreshToken);
}

export function clear() {
  sessionStorage.removeItem(KEY);
  localStorage.removeItem(KEY);
  sessionStorage.removeItem("portico.account");
}

/** A tab opened without a session asks the open ones for theirs; true once it has one. */
export async function borrow() {
  if (signedIn() || !channel) return signedIn();
  return new Promise((resolve) => {
    const done = () => {
      channel.removeEventListener("message", heard);
      resolve(signedIn());
    };
    const heard = (event) => {
      if (event.data?.type === "session") setTimeout(done, 0);
    };
    channel.addEventListener("message", heard);
    channel.postMessage({ type: "ask" });
    setTimeout(done, ASK_MS);
  });
}

channel?.addEventListener("message", (event) => {
  const message = event.data || {};
  const mine = session();
  if (message.type === "ask" && mine) {
    channel.postMessage({ type: "session", session: mine, remember: remembered() });
  } else if (message.type === "session" && message.session
             && (!mine || mine.email === message.session.email)) {
    keep(message.session, Boolean(message.remember));
  } else if (message.type === "signout" && mine) {
    clear();
    window.dispatchEvent(new Event("portico:signout"));
    window.dispatchEvent(new Event("portico:signedout"));
  }
});

/** Sign in: the session, or {challenge, session} when Cognito asks for a new password.
 * `remember` keeps it beyond the browser's last tab. */
export async function signIn(email, password, remember = false) {
  const cfg = await config();
  const data = await cognito("InitiateAuth", {
    ClientId: cfg.cognito.clientId,
    AuthFlow: "USER_PASSWORD_AUTH",
    AuthParameters: { USERNAME: email, PASSWORD: password },
  });
  if (data.ChallengeName) return { challenge: data.ChallengeName, session: data.Session };
  return save(email, data.AuthenticationResult, {}, remember);
}

export async function setNewPassword(email, challengeSession, password, remember = false) {
  const cfg = await config();
  const data = await cognito("RespondToAuthChallenge", {
    ClientId: cfg.cognito.clientId,
    ChallengeName: "NEW_PASSWORD_REQUIRED",
    Session: challengeSession,
    ChallengeResponses: { USERNAME: email, NEW_PASSWORD: password },
  });
  return save(email, data.AuthenticationResult, {}, remember);
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
  // What must end before the tokens are revoked (a live socket's handshake in flight, which
  // refused after would be a failed connection) is handed back in `waits`.
  const waits = [];
  window.dispatchEvent(new CustomEvent("portico:signout", { detail: { waits } }));
  clear();
  channel?.postMessage({ type: "signout" });
  if (!s) return;
  await Promise.race([Promise.all(waits), new Promise((done) => { setTimeout(done, 2000); })]);
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
