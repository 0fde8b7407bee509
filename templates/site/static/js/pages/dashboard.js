// The dashboard: the widgets the caller's sections allow, in their order, some hidden.
// The layout is kept on the contact (PATCH /me), so it follows them to any device.
import { api } from "../api.js";
import { t } from "../i18n.js";
import { notice, start } from "../shell.js";

const $ = (id) => document.getElementById(id);
const WIDGETS = { cases: "cases", invoices: "invoices", bookings: "bookings",
  notifications: "notifications", announcements: null };

function layout(me) {
  const allowed = Object.keys(WIDGETS).filter((w) => !WIDGETS[w] || me.sections.includes(WIDGETS[w]));
  const saved = me.dashboard.widgets.filter((w) => allowed.includes(w.id));
  const rest = allowed.filter((id) => !saved.some((w) => w.id === id)).map((id) => ({ id, hidden: false }));
  return [...saved, ...rest];
}

start(async (me) => {
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
      item.querySelector(".widget-body").textContent = t(`widget.${w.id}.empty`);
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
