// Search results: the best answers first, the words found highlighted, the query kept in
// the box. Until the search route exists the page says so and points to the categories.
import { t } from "../i18n.js";
import { $, loader } from "./bookings-common.js";
import {
  articleItem, hideSearch, isStaff, kb, missingRoute, onePerArticle, startKb,
} from "./kb-common.js";

startKb(async (me) => {
  const params = new URLSearchParams(location.search);
  const q = (params.get("q") || "").trim();
  const category = params.get("category") || "";
  $("q").value = q;
  if (q) document.title = `${t("kb.search.for", { q })} · ${t("site.name")}`;
  if (!q) {
    $("result-count").textContent = t("kb.search.prompt");
    $("q").focus();
    return;
  }
  const results = $("results");
  const load = loader(results, async () => {
    const query = new URLSearchParams({ q, limit: "20" });
    if (category) query.set("category", category);
    try {
      return await kb(me, `/search?${query}`);
    } catch (e) {
      if (!missingRoute(e)) throw e;
      return null;
    }
  }, (data) => {
    if (!data) {
      hideSearch();
      $("search-unavailable").hidden = false;
      return;
    }
    const hits = onePerArticle(data.items);
    for (const r of hits) results.append(articleItem(r, { snippet: true, staff: isStaff(me) }));
    $("result-count").textContent = hits.length
      ? t(hits.length === 1 ? "kb.search.one" : "kb.search.many", { count: hits.length, q }) : "";
    $("results-empty-text").textContent = t("kb.search.none", { q });
    $("results-empty").hidden = hits.length > 0;
  }, { rows: 4, errors: { 404: "kb.error.missing" } });
  await load();
});
