// The knowledge base's home: search, categories and the articles, a page at a time.
// Works signed out too (public articles); staff also list drafts and archived articles.
import { lang, t } from "../i18n.js";
import { $, loader, problem } from "./bookings-common.js";
import {
  articleItem, categoryName, categoryUrl, el, hideSearch, isStaff, kb, missingRoute, pages,
  startKb,
} from "./kb-common.js";

startKb(async (me) => {
  const staff = isStaff(me);
  const category = new URLSearchParams(location.search).get("category") || "";
  const status = $("status");
  $("staff-bar").hidden = !staff;
  if (category) {
    $("list-title").textContent = t("kb.articles.in", { category: categoryName(category) });
    $("all-link").hidden = false;
  }

  // -- categories: the search's own counts, or grouped from the list until search comes --
  const categories = $("categories");
  function showCategories(items, counted) {
    categories.replaceChildren();
    const sorted = [...items].sort((a, b) => categoryName(a.category).localeCompare(categoryName(b.category)));
    for (const c of sorted) {
      const item = el("li");
      const link = el("a", categoryName(c.category));
      link.href = categoryUrl(c.category);
      if (c.category === category) link.setAttribute("aria-current", "true");
      item.append(link);
      if (counted) item.append(el("span", t("kb.category.count", { count: c.count }), "kb-count"));
      categories.append(item);
    }
    if (!items.length) categories.append(el("li", t("kb.categories.none"), "empty"));
  }
  const loadCategories = loader(categories, async () => {
    try {
      const counted = await kb(me, "/categories");
      if (counted.items.length) return { ...counted, counted: true };
    } catch (e) {
      if (!missingRoute(e)) throw e;
      hideSearch();
    }
    // No search yet, or its index not built yet: the categories of the list.
    const page = await kb(me, `/articles?lang=${lang}&limit=100`);
    const counts = new Map();
    for (const a of page.items) counts.set(a.category, (counts.get(a.category) || 0) + 1);
    return { items: [...counts].map(([c, count]) => ({ category: c, count })),
      counted: !page.next_cursor };
  }, (data) => showCategories(data.items, data.counted), { rows: 2 });

  // -- the articles ---------------------------------------------------------------------
  const loadList = pages($("articles"), $("more"), (cursor) => {
    const query = new URLSearchParams({ lang, limit: "10" });
    if (category) query.set("category", category);
    if (staff) query.set("status", status.value);
    if (cursor) query.set("cursor", cursor);
    return kb(me, `/articles?${query}`);
  }, (a) => articleItem(a, { staff }), {
    after(count, more) {
      $("list-empty").hidden = count > 0;
      $("list-count").textContent = count ? t(more ? "kb.count.more" : "kb.count", { count }) : "";
    },
    failed: (e) => { $("list-status").textContent = problem(e); },
  });
  status.addEventListener("change", () => {
    $("list-status").textContent = "";
    loadList();
  });
  await Promise.all([loadCategories(), loadList()]);
});
