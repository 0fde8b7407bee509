// The page's messages (embedded at build time) and the language it is in.
const messages = JSON.parse(document.getElementById("messages").textContent);

export const lang = document.documentElement.lang;
export const altLang = document.body.dataset.altLang;
export const altUrl = document.body.dataset.altUrl;

export function t(key, values = {}) {
  const text = messages[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => values[name] ?? "");
}

/** A catalogue entry, or `fallback` when the catalogue has none (an API's unknown code). */
export function known(key, fallback) {
  const text = t(key);
  return text === key ? fallback : text;
}

export function url(path, language = lang) {
  return (language === "fi" ? "/fi" : "") + path;
}

export function preferredLanguage() {
  return localStorage.getItem("portico.lang");
}

export function rememberLanguage(language) {
  localStorage.setItem("portico.lang", language);
}

export function date(iso) {
  return new Date(iso).toLocaleString(lang === "fi" ? "fi-FI" : "en-GB",
    { dateStyle: "medium", timeStyle: "short" });
}
