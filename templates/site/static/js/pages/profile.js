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
  for (const kind of new Set([...document.querySelectorAll("input[data-kind]")].map((b) => b.dataset.kind))) {
    digestFollows(kind);
  }
}

/** "Once a day" gathers e-mail: without e-mail it means nothing, so it is off and greyed. */
function digestFollows(kind) {
  const email = $(`pref-${kind}-email`);
  const digest = $(`pref-${kind}-digest`);
  if (!email || !digest) return;
  if (!email.checked) digest.checked = false;
  digest.disabled = !email.checked;
}

start(async (me) => {
  fill(me);
  $("changes-link").hidden = !(me.roles.includes("billing") || me.roles.includes("account_manager"))
    || me.roles.includes("agent") || me.roles.includes("admin");
  for (const box of document.querySelectorAll('input[data-channel="email"]')) {
    box.addEventListener("change", () => digestFollows(box.dataset.kind));
  }
  $("profile-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const submit = event.target.querySelector('button[type="submit"]');
    if (submit.disabled) return;
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
    submit.disabled = true;
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
    } finally {
      submit.disabled = false;
    }
  });
});
