// The staff's resource editor: a new resource, or one resource's basic fields, opening
// hours and who may book it. Blackouts are kept as they are.
import { api, newKey } from "../api.js";
import { t, url } from "../i18n.js";
import { start } from "../shell.js";
import {
  $, confirmInline, dateTime, isStaff, loader, problem, resourceUrl, sending,
} from "./bookings-common.js";

const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const MINUTE_FIELDS = { min_duration: "min_duration_minutes", max_duration: "max_duration_minutes",
  lead_time: "lead_time_minutes", buffer_before: "buffer_before_minutes",
  buffer_after: "buffer_after_minutes", cancellation_cutoff: "cancellation_cutoff_minutes" };
// The API's field names, and the input that shows each one's error.
const INPUTS = { name: "r-name", category: "r-category", time_zone: "r-zone", capacity: "r-capacity",
  horizon_days: "r-horizon", bookable_by: "r-accounts",
  ...Object.fromEntries(Object.entries(MINUTE_FIELDS).map(([k, v]) => [v, `r-${k}`])) };
const DEFAULTS = { name: "", description: "", category: "", time_zone: "Europe/Helsinki",
  capacity: 1, slot_minutes: 30, min_duration_minutes: 30, max_duration_minutes: 240,
  lead_time_minutes: 60, horizon_days: 60, buffer_before_minutes: 0, buffer_after_minutes: 0,
  cancellation_cutoff_minutes: 0, approval_required: false, blackouts: [],
  opening_hours: Object.fromEntries(DAYS.map((d) => [d, d === "sat" || d === "sun" ? []
    : [{ start: "08:00", end: "17:00" }]])),
  bookable_by: { roles: ["contact", "account_manager"], accounts: [] } };

const minutes = (clock) => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));

/** "08:00–12:00, 13:00–18:00" as intervals, or a message for the day's field. */
function parseHours(text) {
  const out = [];
  for (const part of text.split(/[,;]/).map((p) => p.trim()).filter(Boolean)) {
    const m = part.match(/^(\d{1,2})[:.](\d{2})\s*[-–—]\s*(\d{1,2})[:.](\d{2})$/);
    if (!m) return { error: t("bookings.edit.hours.format") };
    const [start, end] = [`${m[1].padStart(2, "0")}:${m[2]}`, `${m[3].padStart(2, "0")}:${m[4]}`];
    if (minutes(start) >= 24 * 60 || minutes(end) > 24 * 60 || Number(m[2]) > 59 || Number(m[4]) > 59) {
      return { error: t("bookings.edit.hours.format") };
    }
    if (minutes(end) <= minutes(start)) return { error: t("bookings.edit.hours.order") };
    out.push({ start, end });
  }
  return { intervals: out };
}

function knownZone(zone) {
  try {
    return Boolean(zone) && Boolean(new Intl.DateTimeFormat("en", { timeZone: zone }));
  } catch {
    return false;
  }
}

start(async (me) => {
  if (!isStaff(me)) {
    $("edit-staff-only").hidden = false;
    return;
  }
  const id = new URLSearchParams(location.search).get("id");
  const zones = $("r-zones");
  for (const z of Intl.supportedValuesOf ? Intl.supportedValuesOf("timeZone") : []) zones.append(new Option(z));
  let current = null;

  function fill(r) {
    $("r-name").value = r.name;
    $("r-description").value = r.description;
    $("r-category").value = r.category;
    $("r-zone").value = r.time_zone;
    $("r-capacity").value = r.capacity;
    $("r-slot").value = String(r.slot_minutes);
    for (const [field, key] of Object.entries(MINUTE_FIELDS)) $(`r-${field}`).value = r[key];
    $("r-horizon").value = r.horizon_days;
    $("r-approval").checked = r.approval_required;
    for (const d of DAYS) {
      $(`h-${d}`).value = (r.opening_hours[d] || []).map((i) => `${i.start}–${i.end}`).join(", ");
    }
    for (const role of ["contact", "account_manager"]) {
      $(`r-role-${role}`).checked = (r.bookable_by.roles || []).includes(role);
    }
    $("r-accounts").value = (r.bookable_by.accounts || []).join(", ");
    $("r-blackouts").textContent = r.blackouts.length ? t("bookings.edit.blackouts", {
      list: r.blackouts.map((b) => `${dateTime(b.start)} – ${dateTime(b.end)}${b.reason ? ` (${b.reason})` : ""}`).join("; ") }) : "";
  }

  function fieldError(inputId, text) {
    const input = $(inputId);
    $(`${inputId}-error`).textContent = text;
    if (text) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }

  /** The form as the API's body, or null after marking what is wrong. */
  function read() {
    for (const el of $("resource-form").querySelectorAll(".field-error")) el.textContent = "";
    for (const el of $("resource-form").querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
    const slot = Number($("r-slot").value);
    const body = {
      name: $("r-name").value.trim(), description: $("r-description").value.trim(),
      category: $("r-category").value.trim(), time_zone: $("r-zone").value.trim(),
      capacity: Number($("r-capacity").value), slot_minutes: slot,
      horizon_days: Number($("r-horizon").value), approval_required: $("r-approval").checked,
      blackouts: current ? current.blackouts : [], opening_hours: {},
      bookable_by: {
        roles: ["contact", "account_manager"].filter((r) => $(`r-role-${r}`).checked),
        accounts: $("r-accounts").value.split(/[\s,]+/).filter(Boolean),
      },
    };
    let ok = true;
    const wrong = (inputId, key) => {
      if (ok) $(inputId).focus();
      fieldError(inputId, t(key));
      ok = false;
    };
    if (!body.name) wrong("r-name", "bookings.edit.error.name");
    if (!/^[a-z0-9][a-z0-9_-]*$/.test(body.category)) wrong("r-category", "bookings.edit.error.category");
    if (!knownZone(body.time_zone)) wrong("r-zone", "bookings.edit.error.zone");
    if (!Number.isInteger(body.capacity) || body.capacity < 1 || body.capacity > 100) wrong("r-capacity", "bookings.edit.error.capacity");
    for (const [field, key] of Object.entries(MINUTE_FIELDS)) {
      const value = Number($(`r-${field}`).value);
      body[key] = value;
      if ($(`r-${field}`).value === "" || !Number.isInteger(value) || value < 0) wrong(`r-${field}`, "bookings.edit.error.number");
      else if (["min_duration", "max_duration", "buffer_before", "buffer_after"].includes(field) && value % slot) {
        fieldError(`r-${field}`, "");
        wrong(`r-${field}`, "bookings.edit.error.grid");
      }
    }
    if (body.max_duration_minutes < body.min_duration_minutes) wrong("r-max_duration", "bookings.edit.error.order");
    if (!Number.isInteger(body.horizon_days) || body.horizon_days < 1 || body.horizon_days > 366) wrong("r-horizon", "bookings.edit.error.horizon");
    for (const d of DAYS) {
      const parsed = parseHours($(`h-${d}`).value);
      if (parsed.error) {
        if (ok) $(`h-${d}`).focus();
        fieldError(`h-${d}`, parsed.error);
        ok = false;
      } else if (parsed.intervals.some((i) => minutes(i.start) % slot || minutes(i.end) % slot)) {
        wrong(`h-${d}`, "bookings.edit.error.hours.grid");
      } else {
        body.opening_hours[d] = parsed.intervals;
      }
    }
    if (!body.bookable_by.accounts.every((a) => /^[A-Za-z0-9_.:-]+$/.test(a))) wrong("r-accounts", "bookings.edit.error.accounts");
    return ok ? body : null;
  }

  /** The API's field errors beside their fields; anything else under the form. */
  function showProblem(e) {
    const details = Array.isArray(e.details) ? e.details : [];
    let placed = false;
    for (const d of details) {
      const loc = (d.loc || []).filter((p) => typeof p === "string" && p !== "body");
      const day = loc.find((p) => DAYS.includes(p));
      const inputId = loc[0] === "opening_hours" && day ? `h-${day}` : INPUTS[loc[0]];
      if (inputId) {
        fieldError(inputId, t("bookings.edit.error.field"));
        placed = true;
      }
    }
    $("r-form-error").textContent = placed ? t("bookings.edit.error.fields")
      : problem(e, { 409: "bookings.edit.error.changed" });
  }

  function saved(r, created) {
    current = r;
    fill(r);
    const box = $("edit-result");
    const link = document.createElement("a");
    link.href = resourceUrl(r.id);
    link.textContent = t("bookings.edit.view", { name: r.name });
    box.replaceChildren(t(created ? "bookings.edit.created" : "bookings.edit.saved", { name: r.name }), " ", link);
    $("edit-title").textContent = t("bookings.edit.title.one", { name: r.name });
    $("r-delete").hidden = false;
    box.tabIndex = -1;
    box.focus();
  }

  function open(r) {
    current = r;
    $("edit-title").textContent = r ? t("bookings.edit.title.one", { name: r.name }) : t("bookings.resource.new");
    $("r-delete").hidden = !r;
    fill(r || DEFAULTS);
    $("resource-form").hidden = false;
  }
  if (id) {
    await loader($("edit-loading"), () => api(`/resources/${encodeURIComponent(id)}`), open,
      { rows: 4, errors: { 404: "bookings.resource.missing" } })();
  } else {
    open(null);
  }

  const resourceKey = newKey(); // sent with every try of this one
  $("resource-form").addEventListener("submit", (event) => {
    event.preventDefault();
    $("edit-result").textContent = "";
    $("r-form-error").textContent = "";
    const body = read();
    if (!body) {
      $("r-form-error").textContent = t("bookings.edit.error.fields");
      return;
    }
    sending($("r-save"), async () => {
      try {
        if (current) {
          saved(await api(`/resources/${encodeURIComponent(current.id)}`,
            { method: "PUT", body: { ...body, version: current.version } }), false);
        } else {
          const made = await api("/resources", { method: "POST", body, key: resourceKey });
          history.replaceState(null, "", `${url("/bookings/edit/")}?id=${encodeURIComponent(made.id)}`);
          saved(made, true);
        }
      } catch (e) {
        showProblem(e);
      }
    }, t("bookings.edit.saving"));
  });

  $("r-delete").addEventListener("click", async () => {
    const sure = await confirmInline($("r-delete"), t("bookings.edit.delete.confirm", { name: current.name }),
      t("bookings.edit.delete.yes"));
    if (!sure) return;
    await sending($("r-delete"), async () => {
      $("r-form-error").textContent = "";
      try {
        await api(`/resources/${encodeURIComponent(current.id)}`, { method: "DELETE" });
        $("resource-form").hidden = true;
        const back = document.createElement("a");
        back.href = url("/bookings/");
        back.textContent = t("bookings.back");
        $("edit-result").replaceChildren(t("bookings.edit.deleted", { name: current.name }), " ", back);
      } catch (e) {
        $("r-form-error").textContent = problem(e, { 409: "bookings.edit.error.inuse" });
      }
    });
  });
});
