// One article: its text in the reader's language (or says which it falls back to), the
// other translation a click away, "Was this helpful?" once per click, and for staff the
// votes, the cases it saved and an Edit link.
import { api } from "../api.js";
import { lang, t, url } from "../i18n.js";
import { $, dateTime, loader, problem, sending } from "./bookings-common.js";
import { categoryName, categoryUrl, el, isStaff, kb, showHtml, startKb } from "./kb-common.js";

startKb(async (me) => {
  const params = new URLSearchParams(location.search);
  const slug = params.get("slug") || params.get("id") || "";
  const staff = isStaff(me);
  let article = null;
  $("answered").hidden = params.get("answered") !== "1";

  // The article in `wanted`: skeletons first (quiet when switching language), a notice
  // with a retry when slow or failed.
  let wanted = lang;
  const load = loader($("article-loading"), () =>
    kb(me, `/articles/${encodeURIComponent(slug)}?lang=${wanted}`), (found) => {
    article = found;
    render(wanted);
  }, { rows: 3, errors: { 404: me ? "kb.error.missing" : "kb.error.missing.public" } });

  function show(language) {
    wanted = language;
    return load({ quiet: Boolean(article) });
  }

  function render(asked) {
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
    fallback.textContent = a.fallback ? t("kb.fallback", { wanted: t(`kb.language.${asked}`),
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
    $("article-problem").textContent = t("kb.error.missing");
    return;
  }
  await show(lang);
});
