// The caller's own profile: name, phone, language and notification preferences.
import { api } from "../api.js";
import { altUrl, lang, rememberLanguage, t } from "../i18n.js";
import { notice, start } from "../shell.js";

const $ = (id) => document.getElementById(id);

function fill(me) {
  $("profile-email").value = me.email;
  $("name").value = me.name;
  $("phone").value = me.phone || "";
  $("language").value = me.language;
  for (const box of document.querySelectorAll("input[data-kind]")) {
    box.checked = Boolean(me.notification_preferences[box.dataset.kind][box.dataset.channel]);
  }
}

start(async (me) => {
  fill(me);
  $("profile-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    $("profile-error").textContent = "";
    const preferences = {};
    for (const box of document.querySelectorAll("input[data-kind]")) {
      preferences[box.dataset.kind] ??= {};
      preferences[box.dataset.kind][box.dataset.channel] = box.checked;
    }
    const body = {
      name: $("name").value.trim(),
      phone: $("phone").value.trim(), // empty clears it; the API takes no nulls
      language: $("language").value,
      notification_preferences: preferences,
    };
    try {
      const saved = await api("/me", { method: "PATCH", body });
      fill(saved);
      rememberLanguage(saved.language);
      if (saved.language !== lang) {
        location.assign(altUrl);
        return;
      }
      notice(t("profile.saved"));
    } catch (e) {
      $("profile-error").textContent = e.status === 422 ? `${t("error.generic")} (${
        (e.details || []).map((d) => d.loc.at(-1)).join(", ")})` : e.message;
    }
  });
});
