// The new-case form's suggestions: while a customer types the subject, up to five articles
// that may answer it. One opens in a panel under the subject; "This answered my question"
// counts a case saved (a deflection) and leaves the form, and so does leaving the page
// after reading one without sending the case. Quietly absent until /kb/suggest exists.
import { actingAccount, api } from "../api.js";
import { session } from "../auth.js";
import { config } from "../config.js";
import { lang, t } from "../i18n.js";
import { button, problem, sending } from "./bookings-common.js";
import {
  articleUrl, el, isStaff, kbStyles, missingRoute, onePerArticle, showHtml,
} from "./kb-common.js";

const WAIT_MS = 300;
const MIN_CHARS = 3;

/** Wire the suggestions under `subject`. Returns `{ sent() }`: call it once the case is
 * sent, so leaving the page then is not counted as an answer. */
export function suggestArticles(me, subject) {
  const quiet = { sent() {} };
  if (isStaff(me)) return quiet; // staff write cases for others; their reading saves none
  kbStyles();
  const box = el("div", "", "kb-suggest");
  box.id = "kb-suggestions";
  box.hidden = true;
  const live = el("p", "", "visually-hidden");
  live.setAttribute("role", "status");
  const panel = el("section", "", "kb-opened");
  panel.hidden = true;
  panel.setAttribute("aria-labelledby", "kb-opened-title");
  subject.after(box, live, panel);

  let apiUrl = "";
  config().then((c) => { apiUrl = c.apiUrl; }).catch(() => {});
  let timer = 0;
  let generation = 0;
  let absent = false;
  let last = null; // the article read last, if any
  let done = false; // the case is sent, or the answer already counted

  async function look() {
    const q = subject.value.trim();
    const mine = ++generation;
    if (absent || q.length < MIN_CHARS) {
      box.hidden = true;
      return;
    }
    try {
      const { items } = await api(`/kb/suggest?${new URLSearchParams({ q })}`);
      if (mine === generation) show(onePerArticle(items).slice(0, 5));
    } catch (e) {
      if (missingRoute(e)) absent = true;
      box.hidden = true;
    }
  }

  function show(items) {
    box.hidden = !items.length;
    live.textContent = items.length ? t("kb.suggest.found", { count: items.length }) : "";
    const list = el("ul");
    for (const item of items) {
      const open = button(item.title, { className: "link" });
      open.setAttribute("aria-controls", "kb-opened");
      open.addEventListener("click", () => sending(open, () => read(item), t("site.loading")));
      list.append(el("li"));
      list.lastChild.append(open);
    }
    box.replaceChildren(el("h3", t("kb.suggest.title")), list);
  }

  async function read(item) {
    panel.id = "kb-opened";
    let article;
    try {
      article = await api(`/kb/articles/${encodeURIComponent(item.id)}?lang=${lang}`);
    } catch (e) {
      panel.replaceChildren(el("p", problem(e, { 404: "kb.error.missing" }), "error"));
      panel.hidden = false;
      return;
    }
    last = article;
    const title = el("h3", article.text.title);
    title.id = "kb-opened-title";
    title.tabIndex = -1;
    const body = el("div", "", "kb-body");
    body.lang = article.text.lang;
    showHtml(body, article.text.html);
    const error = el("p", "", "error");
    error.setAttribute("role", "alert");
    const answered = button(t("kb.answered"));
    answered.addEventListener("click", () => sending(answered, async () => {
      error.textContent = "";
      try {
        await api(`/kb/articles/${encodeURIComponent(article.id)}/deflection`, { method: "POST" });
        done = true;
        location.assign(articleUrl(article.slug, "&answered=1"));
      } catch (e) {
        error.textContent = problem(e, { 404: "kb.error.missing" });
      }
    }));
    const back = button(t("kb.answered.not"), { className: "secondary" });
    back.addEventListener("click", () => {
      panel.hidden = true;
      subject.focus();
    });
    const page = el("a", t("kb.suggest.page"));
    page.href = articleUrl(article.slug);
    page.target = "_blank";
    const actions = el("div", "", "actions");
    actions.append(answered, back);
    const parts = [el("p", t("kb.suggest.opened"), "hint"), title];
    if (article.fallback) parts.push(el("p", t("kb.fallback.short", { shown: t(`kb.language.${article.text.lang}`) }), "kb-fallback"));
    const whole = el("p");
    whole.append(page);
    panel.replaceChildren(...parts, body, whole, actions, error);
    panel.hidden = false;
    title.focus();
  }

  // Leaving after reading an article, without sending the case: the article answered it.
  addEventListener("pagehide", () => {
    const s = session();
    if (done || !last || !apiUrl || !s) return;
    done = true;
    const headers = { Authorization: `Bearer ${s.accessToken}` };
    if (actingAccount()) headers["X-Portico-Account"] = actingAccount();
    fetch(`${apiUrl}/kb/articles/${encodeURIComponent(last.id)}/deflection`,
      { method: "POST", headers, keepalive: true }).catch(() => {});
  });

  subject.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(look, WAIT_MS);
  });
  return { sent() { done = true; } };
}
