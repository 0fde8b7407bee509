// The dashboard: the widgets the caller's sections allow, in their order, some hidden.
// The layout is kept on the contact (PATCH /me), so it follows them to any device.
import { api } from "../api.js";
import { t, url } from "../i18n.js";
import { notice, start } from "../shell.js";
import { badge, interval, loader, useStyles, utc } from "./bookings-common.js";
import { casesWidget } from "./cases-widget.js";
import { balanceWidget } from "./invoices-widget.js";
import { announcementsWidget, notificationsWidget } from "./notify-widgets.js";

const $ = (id) => document.getElementById(id);
const WIDGETS = { cases: "cases", invoices: "invoices", bookings: "bookings",
  notifications: "notifications", announcements: null };

// The next three of the caller's bookings, fetched once per page and shown in the widget.
let upcoming = null;

function link(path, text) {
  const a = document.createElement("a");
  a.href = url(path);
  a.textContent = text;
  return a;
}

function nextBookings(item) {
  useStyles();
  const body = document.createElement("div");
  body.className = "widget-body";
  item.querySelector(".widget-body").replaceWith(body);
  const fetch = () => {
    upcoming ??= api(`/bookings?scope=mine&from=${encodeURIComponent(utc(Date.now()))}&limit=10`)
      .then((page) => page.items.filter((b) => ["pending", "confirmed"].includes(b.status)).slice(0, 3));
    return upcoming.catch((e) => {
      upcoming = null;
      throw e;
    });
  };
  loader(body, fetch, (items) => {
    if (!items.length) {
      const empty = document.createElement("p");
      empty.textContent = t("widget.bookings.empty");
      body.replaceChildren(empty, link("/bookings/", t("widget.bookings.book")));
      return;
    }
    const list = document.createElement("ul");
    list.className = "next-bookings";
    for (const b of items) {
      const li = document.createElement("li");
      const when = document.createElement("span");
      when.className = "when";
      when.textContent = interval(b.start, b.end, b.time_zone);
      li.append(link(`/bookings/#booking-${encodeURIComponent(b.id)}`, b.resource_name), when);
      if (b.status === "pending") li.append(badge(b.status, false));
      list.append(li);
    }
    body.replaceChildren(list, link("/bookings/", t("widget.bookings.all")));
  }, { rows: 2 })();
}

function layout(me) {
  const allowed = Object.keys(WIDGETS).filter((w) => !WIDGETS[w] || me.sections.includes(WIDGETS[w]));
  const saved = me.dashboard.widgets.filter((w) => allowed.includes(w.id));
  const rest = allowed.filter((id) => !saved.some((w) => w.id === id)).map((id) => ({ id, hidden: false }));
  return [...saved, ...rest];
}

start(async (me) => {
  if (!me) { // signed out: the home page
    $("home").hidden = false;
    return;
  }
  $("dashboard").hidden = false;
  $("greeting").textContent = t("dashboard.greeting", { name: me.name || me.email });
  let widgets = layout(me);
  let editing = false;

  async function save() {
    try {
      const updated = await api("/me", { method: "PATCH", body: { dashboard: { widgets } } });
      me.dashboard = updated.dashboard;
      notice(t("dashboard.saved"));
    } catch (e) {
      notice(e.message);
    }
  }

  async function setHidden(widget, hidden) {
    widget.hidden = hidden;
    render();
    $("customize").focus();
    await save();
  }

  function render(focus) {
    const list = $("widgets");
    list.replaceChildren();
    const shown = widgets.filter((w) => !w.hidden);
    shown.forEach((w, i) => {
      const item = $("widget-template").content.firstElementChild.cloneNode(true);
      const name = t(`widget.${w.id}`);
      item.dataset.widget = w.id;
      item.querySelector(".widget-title").textContent = name;
      if (w.id === "bookings") nextBookings(item);
      else if (w.id === "cases") casesWidget(item, me);
      else if (w.id === "invoices") balanceWidget(item, me);
      else if (w.id === "notifications") notificationsWidget(item);
      else if (w.id === "announcements") announcementsWidget(item);
      else item.querySelector(".widget-body").textContent = t(`widget.${w.id}.empty`);
      const tools = item.querySelector(".widget-tools");
      tools.hidden = !editing;
      const [up, down, hide] = tools.querySelectorAll("button");
      up.textContent = "↑";
      up.setAttribute("aria-label", t("dashboard.up", { widget: name }));
      up.disabled = i === 0;
      down.textContent = "↓";
      down.setAttribute("aria-label", t("dashboard.down", { widget: name }));
      down.disabled = i === shown.length - 1;
      hide.textContent = t("dashboard.hide", { widget: name });
      for (const button of [up, down]) {
        button.addEventListener("click", async () => {
          const from = widgets.indexOf(w);
          const neighbour = shown[i + Number(button.dataset.move)];
          const to = widgets.indexOf(neighbour);
          [widgets[from], widgets[to]] = [widgets[to], widgets[from]];
          render({ widget: w.id, move: button.dataset.move });
          await save();
        });
      }
      hide.addEventListener("click", () => setHidden(w, true));
      list.append(item);
    });
    const hiddenList = $("hidden-list");
    hiddenList.replaceChildren();
    for (const w of widgets.filter((x) => x.hidden)) {
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = t("dashboard.show", { widget: t(`widget.${w.id}`) });
      button.addEventListener("click", () => setHidden(w, false));
      li.append(button);
      hiddenList.append(li);
    }
    if (focus) {
      const button = list.querySelector(`[data-widget="${focus.widget}"] [data-move="${focus.move}"]`);
      (button && !button.disabled ? button : list.querySelector(`[data-widget="${focus.widget}"] [data-hide]`))?.focus();
    }
  }

  $("customize").addEventListener("click", () => {
    editing = !editing;
    $("customize").setAttribute("aria-expanded", String(editing));
    $("customize").textContent = editing ? t("dashboard.done") : t("dashboard.customize");
    $("hidden-widgets").hidden = !editing;
    render();
  });
  render();
});
