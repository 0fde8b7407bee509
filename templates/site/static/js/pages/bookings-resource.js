// One resource: its rules, a week of free and taken times in its own time zone, and the
// form that books one; for staff also the week's bookings of the resource.
import { api, newKey } from "../api.js";
import { t, url } from "../i18n.js";
import { start } from "../shell.js";
import {
  $, addDays, badge, categoryName, clock, dateLabel, duration, interval, isStaff, loader,
  monday, problem, sending, today, utc,
} from "./bookings-common.js";

const MINUTE = 60_000;

function fact(list, text) {
  const li = document.createElement("li");
  li.textContent = text;
  list.append(li);
}

start(async (me) => {
  const params = new URLSearchParams(location.search);
  const id = params.get("id") || "";
  const staff = isStaff(me);
  await loader($("resource-loading"), () => api(`/resources/${encodeURIComponent(id)}`), show,
    { rows: 2, errors: { 404: "bookings.resource.missing" } })();

  async function show(r) {
    $("resource-loading").hidden = true;
    $("resource").hidden = false;
    document.title = `${r.name} · ${document.title}`;
    $("resource-name").textContent = r.name;
    $("resource-description").textContent = r.description || "";
    const facts = $("resource-facts");
    fact(facts, categoryName(r.category));
    fact(facts, t(r.capacity > 1 ? "bookings.capacity.many" : "bookings.capacity.one", { count: r.capacity }));
    fact(facts, t(r.approval_required ? "bookings.approval.yes" : "bookings.approval.no"));
    fact(facts, r.min_duration_minutes === r.max_duration_minutes
      ? t("bookings.length.fixed", { length: duration(r.min_duration_minutes) })
      : t("bookings.length.range", { min: duration(r.min_duration_minutes), max: duration(r.max_duration_minutes) }));
    if (r.lead_time_minutes) {
      fact(facts, t("bookings.lead", { length: duration(r.lead_time_minutes) }));
    }
    if (r.cancellation_cutoff_minutes) {
      fact(facts, t("bookings.cutoff", { length: duration(r.cancellation_cutoff_minutes) }));
    }
    if (staff) {
      $("edit-bar").hidden = false;
      $("edit-link").href = `${url("/bookings/edit/")}?id=${encodeURIComponent(r.id)}`;
    }
    const zone = r.time_zone;
    const own = Intl.DateTimeFormat().resolvedOptions().timeZone;
    $("zone-note").textContent = t("bookings.zone", { zone })
      + (own && own !== zone ? ` ${t("bookings.zone.own", { zone: own })}` : "");

    // -- the week ------------------------------------------------------------------------------
    const first = monday(today(zone));
    const last = monday(addDays(today(zone), r.horizon_days));
    const asked = /^\d{4}-\d{2}-\d{2}$/.test(params.get("week") || "") ? monday(params.get("week")) : first;
    let week = asked < first ? first : asked > last ? last : asked;
    let slots = new Map(); // start (ms) -> slot
    let chosen = null; // the chosen slot

    const days = () => Array.from({ length: 7 }, (_, i) => addDays(week, i));
    function range() {
      const from = Math.max(Date.parse(`${addDays(week, -1)}T00:00:00Z`), Date.now());
      return `from=${encodeURIComponent(utc(from))}&to=${encodeURIComponent(`${addDays(week, 8)}T00:00:00Z`)}`;
    }

    function weekControls() {
      const [a, b] = [week, addDays(week, 6)];
      $("week-label").textContent = t("bookings.week", {
        from: dateLabel(a, { day: "numeric", month: "short" }),
        to: dateLabel(b, { day: "numeric", month: "short", year: "numeric" }) });
      $("week-prev").disabled = week <= first;
      $("week-next").disabled = week >= last;
    }

    function renderWeek(data) {
      slots = new Map(data.slots.map((s) => [Date.parse(s.start), s]));
      const grid = $("week");
      const now = today(zone);
      for (const date of days()) {
        const column = document.createElement("section");
        column.className = `day${date === now ? " today" : date < now ? " past" : ""}`;
        const heading = document.createElement("h3");
        heading.textContent = dateLabel(date, { weekday: "short", day: "numeric", month: "numeric" });
        const list = document.createElement("ul");
        list.className = "slots";
        list.setAttribute("aria-label", dateLabel(date, { weekday: "long", day: "numeric", month: "long" }));
        const mine = data.slots.filter((s) => s.local_start.slice(0, 10) === date);
        for (const s of mine) list.append(slotButton(s));
        column.append(heading);
        if (mine.length) {
          column.append(list);
        } else {
          const none = document.createElement("p");
          none.className = "hint";
          none.textContent = t("bookings.day.none");
          column.append(none);
        }
        grid.append(column);
      }
      if (chosen) {
        const again = slots.get(Date.parse(chosen.start));
        choose(again && again.remaining > 0 ? again : null);
      }
    }

    function slotButton(s) {
      const li = document.createElement("li");
      const b = document.createElement("button");
      b.type = "button";
      b.className = "slot";
      b.dataset.start = s.start;
      const time = clock(s.start, zone);
      b.textContent = time;
      if (s.remaining <= 0) {
        b.disabled = true;
        b.classList.add("taken");
        const why = document.createElement("span");
        why.className = "slot-state";
        why.textContent = t("bookings.slot.taken");
        b.append(" ", why);
        b.setAttribute("aria-label", t("bookings.slot.taken.label", { time }));
      } else {
        b.setAttribute("aria-pressed", "false");
        if (r.capacity > 1) {
          const left = document.createElement("span");
          left.className = "slot-state";
          left.textContent = t("bookings.slot.left", { count: s.remaining });
          b.append(" ", left);
        }
        b.addEventListener("click", () => {
          $("book-result").textContent = "";
          $("book-error").textContent = "";
          choose(s);
          if (matchMedia("(max-width: 47.99rem)").matches) {
            $("book-section").scrollIntoView({ block: "nearest" });
          }
        });
      }
      li.append(b);
      return li;
    }

    /** The lengths a booking from `s` can have: min..max in slot steps, as long as every
     * step of it is free. */
    function lengths(s) {
      const out = [];
      const at = Date.parse(s.start);
      for (let d = r.min_duration_minutes; d <= r.max_duration_minutes; d += r.slot_minutes) {
        let free = true;
        for (let k = 0; k * r.slot_minutes <= d - r.min_duration_minutes; k += 1) {
          const next = slots.get(at + k * r.slot_minutes * MINUTE);
          if (!next || next.remaining <= 0) free = false;
        }
        if (!free) break;
        out.push(d);
      }
      return out.length ? out : [r.min_duration_minutes];
    }

    function choose(s) {
      chosen = s;
      for (const b of $("week").querySelectorAll("button.slot[aria-pressed]")) {
        b.setAttribute("aria-pressed", String(Boolean(s) && b.dataset.start === s.start));
      }
      const select = $("duration");
      const keep = select.value;
      select.replaceChildren();
      if (s) {
        for (const d of lengths(s)) select.add(new Option(duration(d), String(d)));
        if ([...select.options].some((o) => o.value === keep)) select.value = keep;
      } else {
        select.add(new Option(t("bookings.book.duration.none"), ""));
      }
      select.disabled = !s;
      $("book").disabled = !s || Boolean($("book").dataset.busy);
      $("chosen").textContent = s ? t("bookings.book.chosen", { when: chosenText() })
        : t("bookings.book.choose");
    }

    function chosenText() {
      const begin = Date.parse(chosen.start);
      const end = utc(begin + Number($("duration").value || r.min_duration_minutes) * MINUTE);
      const there = interval(chosen.start, end, zone);
      return own && own !== zone ? `${there} ${t("bookings.book.yours", {
        start: clock(chosen.start, own), end: clock(end, own), zone: own })}` : there;
    }

    const loadWeek = loader($("week"), () => api(`/resources/${encodeURIComponent(r.id)}/availability?${range()}`),
      renderWeek, { rows: 7 });

    function go(to) {
      week = to;
      const next = new URLSearchParams(location.search);
      next.set("week", week);
      history.replaceState(null, "", `${location.pathname}?${next}`);
      choose(null);
      $("book-result").textContent = "";
      $("book-error").textContent = "";
      weekControls();
      return Promise.all([loadWeek(), staff ? loadCalendar() : null]);
    }
    // A double click moves one week, not two: its second click counts 2.
    for (const [button, days] of [[$("week-prev"), -7], [$("week-next"), 7]]) {
      button.addEventListener("click", (event) => {
        if (event.detail < 2) go(addDays(week, days));
      });
    }
    $("duration").addEventListener("change", () => {
      if (chosen) $("chosen").textContent = t("bookings.book.chosen", { when: chosenText() });
    });

    // -- booking -------------------------------------------------------------------------------
    let bookingKey = newKey();
    $("book-form").addEventListener("submit", (event) => {
      event.preventDefault();
      if (!chosen) return;
      const button = $("book");
      sending(button, async () => {
        $("book-error").textContent = "";
        $("book-result").textContent = "";
        const note = $("note").value.trim();
        const begin = Date.parse(chosen.start);
        const body = { resource_id: r.id, start: chosen.start,
          end: utc(begin + Number($("duration").value) * MINUTE), ...(note ? { note } : {}) };
        try {
          const made = await api("/bookings", { method: "POST", body, key: bookingKey });
          bookingKey = newKey();
          booked(made);
        } catch (e) {
          $("book-error").textContent = problem(e, { 409: "bookings.error.conflict" });
          if (e.status === 409 || e.status === 422) await loadWeek({ quiet: true });
        }
      }, t("bookings.book.sending")).then(() => {
        if (!button.dataset.busy) button.disabled = !chosen;
      });
    });

    function booked(b) {
      const box = $("book-result");
      const what = interval(b.start, b.end, b.time_zone || zone);
      const text = document.createElement("p");
      text.append(badge(b.status, false), " ", t(b.status === "pending" ? "bookings.booked.pending"
        : "bookings.booked.confirmed", { name: b.resource_name || r.name, when: what }));
      const link = document.createElement("a");
      link.href = `${url("/bookings/")}#booking-${encodeURIComponent(b.id)}`;
      link.textContent = t("bookings.booked.see");
      box.replaceChildren(text, link);
      $("note").value = "";
      choose(null);
      box.tabIndex = -1;
      box.focus();
      loadWeek({ quiet: true });
      if (staff) loadCalendar();
    }

    // -- the staff's week of this resource --------------------------------------------------------
    const loadCalendar = loader($("calendar"),
      () => api(`/resources/${encodeURIComponent(r.id)}/bookings?${range()}`), ({ items }) => {
        const box = $("calendar");
        for (const date of days()) {
          const section = document.createElement("section");
          section.className = "calendar-day";
          const heading = document.createElement("h3");
          heading.textContent = dateLabel(date, { weekday: "long", day: "numeric", month: "long" });
          section.append(heading);
          const those = items.filter((b) => b.local_start.slice(0, 10) === date)
            .sort((a, b) => a.start.localeCompare(b.start));
          if (!those.length) {
            const none = document.createElement("p");
            none.className = "hint";
            none.textContent = t("bookings.calendar.none");
            section.append(none);
          } else {
            const list = document.createElement("ul");
            list.className = "calendar-list";
            for (const b of those) {
              const li = document.createElement("li");
              li.className = ["cancelled", "rejected"].includes(b.status) ? "ended" : "";
              const when = document.createElement("strong");
              when.textContent = `${clock(b.start, zone)}–${clock(b.end, zone)}`;
              li.append(when, ` ${b.contact_name || b.contact_id} `, badge(b.status, true));
              if (b.note) {
                const note = document.createElement("span");
                note.className = "booking-note";
                note.textContent = b.note;
                li.append(note);
              }
              list.append(li);
            }
            section.append(list);
          }
          box.append(section);
        }
      }, { rows: 3 });

    $("calendar-section").hidden = !staff;
    await go(week);
  }
});
