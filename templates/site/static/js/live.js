// Live updates: the server pushes badge counts and new notifications over a WebSocket
// (config.liveUrl); while the socket is down the page polls /notifications/summary.
// Handlers get {type: "summary", summary: {sections, total}} or {type: "notification", ...}.
import { api } from "./api.js";
import { accessToken, signedIn } from "./auth.js";
import { config } from "./config.js";

const POLL_MS = 60_000;
// API Gateway closes a connection idle for 10 minutes.
const PING_MS = 5 * 60_000;
const RETRY_MIN_MS = 1_000;
const RETRY_MAX_MS = 60_000;

const handlers = new Set();
let socket = null;
let attempts = 0;
let pollTimer = null;
let pingTimer = null;
let retryTimer = null;

/** Call `handler` with every live message; returns a function that stops it. */
export function onLive(handler) {
  handlers.add(handler);
  if (handlers.size === 1) start();
  return () => {
    handlers.delete(handler);
    if (!handlers.size) stop();
  };
}

/** Whether the socket is open (else the page is polling). */
export function isLive() {
  return socket !== null && socket.readyState === WebSocket.OPEN;
}

function emit(message) {
  for (const h of handlers) {
    try {
      h(message);
    } catch (e) {
      console.error(e);
    }
  }
}

async function poll() {
  try {
    emit({ type: "summary", summary: await api("/notifications/summary") });
  } catch {
    // The next poll or the socket catches up.
  }
}

function startPolling() {
  if (pollTimer !== null || !handlers.size) return;
  poll();
  pollTimer = setInterval(poll, POLL_MS);
}

function stopPolling() {
  clearInterval(pollTimer);
  pollTimer = null;
}

function retryLater() {
  clearTimeout(retryTimer);
  if (!handlers.size) return;
  // Exponential with jitter, so pages of a restarted API do not reconnect all at once.
  const ceiling = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** attempts);
  attempts += 1;
  retryTimer = setTimeout(connect, ceiling / 2 + Math.random() * ceiling / 2);
}

async function connect() {
  retryTimer = null;
  if (!handlers.size || socket !== null || !signedIn()) return;
  let url;
  try {
    const cfg = await config();
    if (!cfg.liveUrl || typeof WebSocket === "undefined") {
      startPolling();
      return;
    }
    // Browsers cannot set headers on a WebSocket: the token goes in the query.
    url = `${cfg.liveUrl}?token=${encodeURIComponent(await accessToken())}`;
  } catch {
    startPolling();
    retryLater();
    return;
  }
  // Signed out (or stopped) while the token was being fetched: a revoked token would be
  // refused at the handshake.
  if (!handlers.size || socket !== null || !signedIn()) return;
  const ws = new WebSocket(url);
  socket = ws;
  ws.addEventListener("open", () => {
    if (socket !== ws) {
      ws.close(); // stopped while connecting; closing then would log a failed handshake
      return;
    }
    attempts = 0;
    stopPolling();
    poll(); // what changed while the socket was down
    pingTimer = setInterval(() => ws.send(JSON.stringify({ action: "ping" })), PING_MS);
  });
  ws.addEventListener("message", (e) => {
    let message;
    try {
      message = JSON.parse(e.data);
    } catch {
      return;
    }
    if (message && typeof message.type === "string" && message.type !== "pong") emit(message);
  });
  ws.addEventListener("close", () => {
    clearInterval(pingTimer);
    pingTimer = null;
    if (socket === ws) socket = null;
    startPolling();
    retryLater();
  });
}

function start() {
  attempts = 0;
  connect();
}

function stop() {
  clearTimeout(retryTimer);
  retryTimer = null;
  stopPolling();
  clearInterval(pingTimer);
  pingTimer = null;
  const ws = socket;
  socket = null;
  if (!ws) return Promise.resolve();
  if (ws.readyState !== WebSocket.CONNECTING) {
    ws.close();
    return Promise.resolve();
  }
  // A handshake in flight ends first (its open handler then closes it): the promise says when.
  return new Promise((done) => {
    ws.addEventListener("open", () => done(), { once: true });
    ws.addEventListener("close", () => done(), { once: true });
  });
}

// Signing out ends the socket before the tokens are revoked.
if (typeof window !== "undefined") {
  window.addEventListener("portico:signout", (event) => {
    handlers.clear();
    event.detail?.waits?.push(stop());
  });
}

// A page coming back to the foreground retries at once rather than after its backoff.
if (typeof document !== "undefined") {
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && handlers.size && socket === null) {
      clearTimeout(retryTimer);
      attempts = 0;
      connect();
    }
  });
}
