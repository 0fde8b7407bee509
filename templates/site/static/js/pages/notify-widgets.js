// The dashboard's notification and announcement widgets: the latest unread notifications
// and the active announcements, each with the way to the notifications page.
import { api } from "../api.js";
import { t, url } from "../i18n.js";
import { activeAnnouncements, severityName } from "../notify.js";
import { useStyles } from "./bookings-common.js";
import { problem, sitePath } from "./notify-common.js";

function link(path, text) {
  const a = document.createElement("a");
  a.href = path;
  a.textContent = text;
  return a;
}

function body(item) {
  const box = document.createElement("div");
  box.className = "widget-body";
  item.querySelector(".widget-body").replaceWith(box);
  return box;
}

export function notificationsWidget(item) {
  const box = body(item);
  useStyles();
  const grey = document.createElement("div");
  grey.className = "skeleton";
  grey.setAttribute("aria-hidden", "true");
  box.replaceChildren(grey);
  api("/notifications?unread=true&limit=3").then((page) => {
    if (!page.items.length) {
      const p = document.createElement("p");
      p.textContent = t("widget.notifications.empty");
      box.replaceChildren(p, link(url("/notifications/"), t("widget.notifications.all")));
      return;
    }
    const list = document.createElement("ul");
    list.className = "widget-list";
    for (const n of page.items) {
      const li = document.createElement("li");
      li.append(link(sitePath(n.link), n.title));
      list.append(li);
    }
    box.replaceChildren(list, link(url("/notifications/"), t("widget.notifications.all")));
  }).catch((e) => {
    box.textContent = problem(e);
  });
}

export function announcementsWidget(item) {
  const box = body(item);
  activeAnnouncements().then((items) => {
    if (!items.length) {
      box.textContent = t("widget.announcements.empty");
      return;
    }
    const list = document.createElement("ul");
    list.className = "widget-list";
    for (const a of items) {
      const li = document.createElement("li");
      const strong = document.createElement("strong");
      strong.textContent = `${severityName(a.severity)}: `;
      li.append(strong, a.title);
      list.append(li);
    }
    box.replaceChildren(list, link(url("/notifications/"), t("widget.announcements.all")));
  }).catch((e) => {
    box.textContent = problem(e);
  });
}
