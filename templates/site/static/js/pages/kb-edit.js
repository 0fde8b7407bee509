// The article editor (staff): address, category, tags, audience, the English and Finnish
// text with a live preview, Save draft; admins also publish and archive. The preview is
// drawn here from a small part of Markdown (headings, lists, quotes, tables, code, bold,
// italics, links); the article page shows the server's full rendering once saved.
import { api, newKey } from "../api.js";
import { t, url } from "../i18n.js";
import { $, confirmInline, loader, problem, sending } from "./bookings-common.js";
import { el, isStaff, kb, startKb } from "./kb-common.js";

const LANGS = ["en", "fi"];
const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const CATEGORY = /^[a-z0-9][a-z0-9_-]*$/;
const BLOCK = /^(```|#{1,6}\s|>|\s*\||\s*(?:[-*+]|\d+[.)])\s)/;

// -- the preview: Markdown drawn as DOM nodes, never as HTML ---------------------------------

function inline(parent, text) {
  const pattern = /`([^`]+)`|\*\*(.+?)\*\*|\*([^*]+)\*|_([^_]+)_|\[([^\]]+)\]\(([^)\s]+)\)/g;
  let at = 0;
  for (const m of text.matchAll(pattern)) {
    parent.append(text.slice(at, m.index));
    at = m.index + m[0].length;
    if (m[1] !== undefined) parent.append(el("code", m[1]));
    else if (m[2] !== undefined) inline(parent.appendChild(el("strong")), m[2]);
    else if (m[3] !== undefined || m[4] !== undefined) parent.append(el("em", m[3] ?? m[4]));
    else if (/^(https?:|mailto:|\/)/i.test(m[6])) {
      const a = el("a", m[5]);
      a.href = m[6];
      parent.append(a);
    } else parent.append(m[5]);
  }
  parent.append(text.slice(at));
  return parent;
}

function cells(line) {
  return line.trim().replace(/^\||\|$/g, "").split("|").map((c) => c.trim());
}

export function markdown(source) {
  const out = document.createDocumentFragment();
  const lines = source.replace(/\r\n?/g, "\n").split("\n");
  const take = (test) => {
    const taken = [];
    while (lines.length && test(lines[0])) taken.push(lines.shift());
    return taken;
  };
  while (lines.length) {
    const line = lines[0];
    let m;
    if (!line.trim()) {
      lines.shift();
    } else if (line.startsWith("```")) {
      lines.shift();
      const code = take((l) => !l.startsWith("```"));
      lines.shift();
      const pre = el("pre");
      pre.append(el("code", code.join("\n")));
      out.append(pre);
    } else if ((m = /^(#{1,6})\s+(.*)$/.exec(line))) {
      lines.shift();
      out.append(inline(el(`h${m[1].length}`), m[2]));
    } else if (/^\s*(?:[-*+]|\d+[.)])\s/.test(line)) {
      const list = el(/^\s*\d/.test(line) ? "ol" : "ul");
      for (const item of take((l) => /^\s*(?:[-*+]|\d+[.)])\s/.test(l))) {
        list.append(inline(el("li"), item.replace(/^\s*(?:[-*+]|\d+[.)])\s+/, "")));
      }
      out.append(list);
    } else if (line.startsWith(">")) {
      const quote = el("blockquote");
      quote.append(inline(el("p"), take((l) => l.startsWith(">")).map((l) => l.replace(/^>\s?/, "")).join(" ")));
      out.append(quote);
    } else if (/^\s*\|/.test(line)) {
      const rows = take((l) => /^\s*\|/.test(l)).filter((l) => !/^[\s|:-]+$/.test(l));
      const table = el("table");
      rows.forEach((row, n) => {
        const tr = table.appendChild(el("tr"));
        for (const c of cells(row)) tr.append(inline(el(n ? "td" : "th"), c));
      });
      const wrap = el("div", "", "table-wrap");
      wrap.append(table);
      out.append(wrap);
    } else {
      const para = [lines.shift(), ...take((l) => l.trim() && !BLOCK.test(l))];
      out.append(inline(el("p"), para.join(" ")));
    }
  }
  return out;
}

// -- the form ---------------------------------------------------------------------------------

function field(code, name) {
  return $(`${name}-${code}`);
}

function fieldError(id, key) {
  $(`${id}-error`).textContent = key ? t(key) : "";
  $(id).setAttribute("aria-invalid", String(Boolean(key)));
}

function translation(code) {
  const [title, summary, body] = ["title", "summary", "body"].map((n) => field(code, n).value);
  return { title: title.trim(), summary: summary.trim(), body };
}

/** The article as the form holds it, or null with the errors shown by their fields. */
function read() {
  for (const p of document.querySelectorAll("#article-form .field-error")) p.textContent = "";
  for (const i of document.querySelectorAll("#article-form [aria-invalid]")) i.removeAttribute("aria-invalid");
  $("translations-error").textContent = "";
  const errors = [];
  const check = (id, key) => { if (key) { fieldError(id, key); errors.push(id); } };
  const slug = $("slug").value.trim();
  const category = $("category").value.trim();
  check("slug", !slug ? "kb.editor.slug.missing" : !SLUG.test(slug) || /^[0-9a-f]{32}$/.test(slug)
    ? "kb.editor.slug.invalid" : "");
  check("category", !category ? "kb.editor.category.missing" : !CATEGORY.test(category)
    ? "kb.editor.category.invalid" : "");
  const tags = [...new Set($("tags").value.split(",").map((s) => s.trim()).filter(Boolean))];
  check("tags", tags.length > 20 ? "kb.editor.tags.many" : tags.some((s) => s.length > 40)
    ? "kb.editor.tags.long" : "");
  const byRoles = document.querySelector("input[name=audience]:checked").value === "roles";
  const roles = [...document.querySelectorAll("input[name=role]:checked")].map((b) => b.value);
  if (byRoles && !roles.length) {
    $("audience-error").textContent = t("kb.editor.audience.none");
    errors.push("roles");
  }
  const translations = {};
  for (const code of LANGS) {
    const text = translation(code);
    if (!text.title && !text.summary && !text.body.trim()) continue;
    check(`title-${code}`, text.title.length < 3 ? "kb.editor.title.short" : "");
    check(`body-${code}`, !text.body.trim() ? "kb.editor.body.missing" : "");
    translations[code] = text;
  }
  if (!Object.keys(translations).length) {
    $("translations-error").textContent = t("kb.editor.translations.none");
    errors.push("title-en");
  }
  if (errors.length) {
    const first = $(errors[0]);
    (first.matches("input, textarea") ? first : first.querySelector("input")).focus();
    return null;
  }
  return { slug, category, tags, audience: byRoles ? roles : "public", translations };
}

/** A refused save's details (pydantic's `loc`) by the fields they concern. */
function showDetails(details) {
  let shown = false;
  for (const d of Array.isArray(details) ? details : []) {
    const loc = (d.loc || []).map(String);
    const at = loc.indexOf("translations");
    const id = at >= 0 && LANGS.includes(loc[at + 1]) && ["title", "summary", "body"].includes(loc[at + 2])
      ? `${loc[at + 2]}-${loc[at + 1]}` : ["slug", "category", "tags"].find((f) => loc.includes(f));
    if (id && $(`${id}-error`)) {
      fieldError(id, `kb.editor.invalid.${id.split("-")[0]}`);
      shown = true;
    }
  }
  return shown;
}

startKb(async (me) => {
  if (!isStaff(me)) {
    $("staff-only").hidden = false;
    return;
  }
  const admin = me.roles.includes("admin");
  const id = new URLSearchParams(location.search).get("id");
  let article = null;

  for (const code of LANGS) {
    const body = field(code, "body");
    let timer = 0;
    const draw = () => $(`preview-${code}`).replaceChildren(markdown(body.value));
    body.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(draw, 150); });
    draw();
  }
  const roleBox = $("roles");
  for (const radio of document.querySelectorAll("input[name=audience]")) {
    radio.addEventListener("change", () => { roleBox.hidden = radio.value !== "roles" || !radio.checked; });
  }
  kb(me, "/articles?limit=100").then((page) => {
    for (const c of new Set(page.items.map((a) => a.category))) $("category-list").append(new Option(c));
  }).catch(() => {});

  function state() {
    const a = article;
    $("editor-title").textContent = a ? t("kb.editor.edit", { title: a.text.title }) : t("kb.editor.new");
    document.title = `${$("editor-title").textContent} · ${t("site.name")}`;
    $("article-state").textContent = a ? t("kb.editor.state", { status: t(`kb.status.${a.status}`),
      version: a.version }) : t("kb.editor.state.new");
    $("view-link").hidden = !a;
    if (a) $("view-link").href = `${url("/kb/article/")}?slug=${encodeURIComponent(a.slug)}`;
    const saved = Boolean(a);
    for (const b of [$("publish"), $("archive")]) b.hidden = !saved;
    $("archive").hidden = !saved || a.status === "archived";
    $("publish").textContent = t(a && a.status === "published" ? "kb.editor.republish" : "kb.editor.publish");
    $("save").disabled = Boolean(a && a.status === "archived");
    $("publish").disabled = !admin;
    $("archive").disabled = !admin;
    $("publish-hint").textContent = !saved ? t("kb.editor.publish.after")
      : !admin ? t("kb.editor.publish.admins")
        : a.status === "archived" ? t("kb.editor.archived") : "";
  }

  function fill(responses) {
    const a = responses[0];
    $("slug").value = a.slug;
    $("category").value = a.category;
    $("tags").value = a.tags.join(", ");
    const byRoles = a.audience !== "public";
    document.querySelector(`input[name=audience][value=${byRoles ? "roles" : "public"}]`).checked = true;
    roleBox.hidden = !byRoles;
    for (const box of document.querySelectorAll("input[name=role]")) {
      box.checked = byRoles && a.audience.includes(box.value);
    }
    for (const r of responses) {
      if (r.fallback) continue;
      field(r.text.lang, "title").value = r.text.title;
      field(r.text.lang, "summary").value = r.text.summary;
      field(r.text.lang, "body").value = r.text.body;
      field(r.text.lang, "body").dispatchEvent(new Event("input"));
    }
  }

  // An article to edit: both translations, with skeletons, a slow notice and a retry.
  const load = loader($("editor-loading"), () => Promise.all(LANGS.map((code) =>
    api(`/kb/articles/${encodeURIComponent(id)}?lang=${code}`))), (both) => {
    article = both[0];
    fill(both);
    $("article-form").hidden = false;
    state();
  }, { rows: 4, errors: { 404: "kb.error.missing" } });

  function done(saved, key) {
    article = saved;
    if (!id || new URLSearchParams(location.search).get("id") !== saved.id) {
      history.replaceState(null, "", `${location.pathname}?id=${encodeURIComponent(saved.id)}`);
    }
    state();
    $("editor-status").textContent = t(key, { title: saved.text.title });
  }

  function failed(e) {
    if (e.status === 422 && showDetails(e.details)) {
      $("editor-error").textContent = t("kb.editor.fix");
    } else if (e.status === 409 && e.details && e.details.slug) {
      fieldError("slug", "kb.editor.slug.taken");
      $("slug").focus();
    } else if (e.status === 409) {
      $("editor-error").textContent = t(e.details && e.details.status === "archived"
        ? "kb.editor.archived" : "kb.editor.changed");
    } else {
      $("editor-error").textContent = problem(e, { 403: "kb.editor.forbidden" });
    }
  }

  function clear() {
    $("editor-error").textContent = "";
    $("editor-status").textContent = "";
  }

  const articleKey = newKey(); // sent with every try of this one
  $("article-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sending($("save"), async () => {
      clear();
      const body = read();
      if (!body) return;
      try {
        const saved = article
          ? await api(`/kb/articles/${encodeURIComponent(article.id)}`,
            { method: "PUT", body: { ...body, version: article.version } })
          : await api("/kb/articles", { method: "POST", body, key: articleKey });
        done(saved, "kb.editor.saved");
      } catch (e) {
        failed(e);
      }
    }, t("kb.editor.saving"));
  });

  /** Publish or archive the article as read at its version (admins). */
  function decide(action, key, busyText) {
    return sending($(action), async () => {
      clear();
      try {
        done(await api(`/kb/articles/${encodeURIComponent(article.id)}/${action}`,
          { method: "POST", body: { version: article.version } }), key);
      } catch (e) {
        failed(e);
      }
    }, busyText);
  }
  $("publish").addEventListener("click", () => decide("publish", "kb.editor.published",
    t("kb.editor.publishing")));
  $("archive").addEventListener("click", async () => {
    const sure = await confirmInline($("archive"), t("kb.editor.archive.confirm",
      { title: article.text.title }), t("kb.editor.archive.yes"), t("kb.editor.archive.keep"));
    if (sure) await decide("archive", "kb.editor.archived.done");
  });

  if (id) {
    await load();
  } else {
    $("article-form").hidden = false;
    state();
  }
}, { publicToo: false });
