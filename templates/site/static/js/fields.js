// Errors beside the fields they are about, in the page's language. The API's 422 names the
// fields in `details`: validation as {loc, type}, the domain's checks as "field: problem"
// lines; either is mapped to the form's field and to a catalogue message.
import { known, t } from "./i18n.js";

/** What one detail of a 422 is about: the field's name (its last path part, without the
 * `body` the API puts first) and the kind of problem. */
export function problemOf(detail) {
  if (detail && typeof detail === "object" && Array.isArray(detail.loc)) {
    const path = detail.loc.filter((part) => part !== "body");
    return { field: String(path.at(-1) ?? ""), path: path.map(String), kind: detail.type || "" };
  }
  const [field, ...rest] = String(detail).split(":");
  const said = rest.join(":").trim();
  const kind = said === "required" ? "missing"
    : said.startsWith("not a field") ? "unknown" : said.startsWith("at most") ? "too_big"
      : said.startsWith("one of") || said.startsWith("must be") ? "invalid" : "";
  return { field: field.trim(), path: [field.trim()], kind };
}

/** A catalogue message for a kind of problem: the field's own wording first, then one for
 * the kind, then a plain "check this field". */
export function messageFor(field, kind) {
  const simple = kind.replace(/^(string|list|dict|int|float)_/, "");
  return known(`error.field.${field}.${simple}`, null) || known(`error.field.${simple}`, null)
    || t("error.field.invalid");
}

/** The error boxes of a form: `field-error` elements named `<input id>-error`. */
export function fieldErrors(form) {
  function set(input, text) {
    const box = document.getElementById(`${input.id}-error`);
    if (box) box.textContent = text;
    if (text) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }
  return {
    clear() {
      for (const el of form.querySelectorAll(".field-error")) el.textContent = "";
      for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
    },
    /** Mark one field; `text` is already in the page's language. */
    show(input, text) {
      set(input, text);
    },
    /** Mark the fields a 422 names; true when at least one was found on this form. The
     * first marked field gets the focus. `inputFor(problem)` finds a problem's field. */
    fromApi(error, inputFor) {
      if (!error || error.status !== 422) return false;
      const details = Array.isArray(error.details) ? error.details : [];
      let first = null;
      for (const detail of details) {
        const problem = problemOf(detail);
        const input = inputFor(problem);
        if (!input) continue;
        set(input, messageFor(problem.field, problem.kind));
        first ??= input;
      }
      first?.focus();
      return first !== null;
    },
    focusFirst() {
      form.querySelector("[aria-invalid]")?.focus();
    },
  };
}
