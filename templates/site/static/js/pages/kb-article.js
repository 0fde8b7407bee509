// One article: its text in the reader's language (or says which it falls back to), the
// other translation a click away, "Was this helpful?" once per click, and for staff the
// votes, the cases it saved and an Edit link.
import { api } from "../api.js";
import { lang, t, url } from "../i18n.js";
import { $, dateTime, problem, sending } from "./bookings-common.js";
import { categoryName, categoryUrl, el, isStaff, kb, kbProblem, showHtml, startKb } from "./kb-common.js";

startKb(async (me) => {
  const params = new URLSearchParams(location.search);
  const slug = params.get("slug") || params.get("id") || "";
  const staff = isStaff(me);
  let article = null;
  $("answered").hidden = params.get("answered") !== "1";

  function say(box, text, retry) {
    box.replaceChildren(el("p", text, "error"));
    box.firstChild.setAttribute("role", "alert");
    if (retry) {
      const again = el("button", t("kb.retry"), "secondary");
      again.type = "button";
      again.addEventListener("click", () => { box.replaceChildren(); show(lang); });
      box.append(again);
    }
  }

  async function show(wanted) {
    $("article-loading").hidden = false;
    const slow = setTimeout(() => say($("article-problem"), t("kb.slow"), true), 10_000);
    try {
      article = await kb(me, `/articles/${encodeURIComponent(slug)}?lang=${wanted}`);
    } catch (e) {
      if (e.status === 404) {
        say($("article-problem"), t(me ? "kb.error.missing" : "kb.error.missing.public"), false);
        if (!me) {
          const link = el("a", t("kb.signin"));
          link.href = `${url("/signin/")}?next=${encodeURIComponent(location.pathname + location.search)}`;
          $("article-problem").append(el("p"), link);
        }
      } else {
        say($("article-problem"), kbProblem(e), true);
      }
      return;
    } finally {
      clearTimeout(slow);
      $("article-loading").hidden = true;
    }
    $("article-problem").replaceChildren();
    render(wanted);
  }

  function render(wanted) {
    const a = article;
    const text = a.text;
    document.title = `${text.title} · ${t("site.name")}`;
    $("article").hidden = false;
    $("article-main").lang = text.lang;
    $("article-title").textContent = text.title;
    $("article-summary").textContent = text.summary;
    showHtml($("article-body"), text.html);
    const fallback = $("fallback");
    fallback.hidden = !a.fallback;
    fallback.lang = lang;
    fallback.textContent = a.fallback ? t("kb.fallback", { wanted: t(`kb.language.${wanted}`),
      shown: t(`kb.language.${text.lang}`) }) : "";
    const category = el("a", categoryName(a.category));
    category.href = categoryUrl(a.category);
    $("article-category").replaceChildren(category);
    $("article-updated").textContent = dateTime(a.published_at && !staff ? a.published_at : a.updated_at);

    // The other translation, a click away, without changing the portal's language.
    const switcher = $("languages");
    switcher.replaceChildren();
    switcher.hidden = a.languages.length < 2;
    for (const code of a.languages) {
      const b = el("button", t(`language.${code}`), "secondary");
      b.type = "button";
      b.lang = code;
      b.setAttribute("aria-pressed", String(code === text.lang));
      b.addEventListener("click", () => {
        if (code !== article.text.lang) sending(b, () => show(code), t("site.loading"));
      });
      switcher.append(b);
    }

    $("staff-panel").hidden = !staff;
    if (staff) {
      $("article-status").textContent = t(`kb.status.${a.status}`);
      $("article-status").className = `badge kb-${a.status}`;
      const s = a.stats || { helpful: 0, not_helpful: 0, deflections: 0 };
      $("stat-helpful").textContent = String(s.helpful);
      $("stat-not-helpful").textContent = String(s.not_helpful);
      $("stat-deflections").textContent = String(s.deflections);
      $("edit-link").href = `${url("/kb/edit/")}?id=${encodeURIComponent(a.id)}`;
      $("edit-link").setAttribute("aria-label", t("kb.edit.label", { title: text.title }));
    }
    // Readers vote on what is published; a draft has no readers yet.
    $("feedback").hidden = a.status !== "published";
  }

  // -- was this helpful? ------------------------------------------------------------------
  let helpful = null;
  async function vote(answer, button) {
    $("vote-error").textContent = "";
    const other = answer ? $("vote-no") : $("vote-yes");
    other.disabled = true;
    try {
      await sending(button, async () => {
        try {
          await api(`/kb/articles/${encodeURIComponent(article.id)}/feedback`,
            { method: "POST", body: { helpful: answer } });
          helpful = answer;
          $("thanks").textContent = t(answer ? "kb.feedback.thanks.yes" : "kb.feedback.thanks.no");
          $("vote").hidden = true;
          $("comment-form").hidden = false;
          $("comment").focus();
        } catch (e) {
          $("vote-error").textContent = problem(e, { 404: "kb.error.missing" });
        }
      });
    } finally {
      other.disabled = false;
    }
  }
  $("vote-yes").addEventListener("click", () => vote(true, $("vote-yes")));
  $("vote-no").addEventListener("click", () => vote(false, $("vote-no")));
  $("comment-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const comment = $("comment").value.trim();
    if (!comment) {
      $("comment-error").textContent = t("kb.feedback.comment.empty");
      $("comment").focus();
      return;
    }
    sending($("comment-send"), async () => {
      $("comment-error").textContent = "";
      try {
        await api(`/kb/articles/${encodeURIComponent(article.id)}/feedback`,
          { method: "POST", body: { helpful, comment } });
        $("comment-form").hidden = true;
        $("thanks").textContent = t("kb.feedback.thanks.comment");
      } catch (e) {
        $("comment-error").textContent = problem(e, { 404: "kb.error.missing" });
      }
    });
  });

  if (!slug) {
    $("article-loading").hidden = true;
    say($("article-problem"), t("kb.error.missing"), false);
    return;
  }
  await show(lang);
});
