// The operator's brand from config.json (infra/brand.py): name, logo, colour, footer links
// and support contact, put into the frame every page shares. The built pages carry a
// neutral default until this runs.
import { config } from "./config.js";
import { lang, t } from "./i18n.js";

const PAPER = [255, 255, 255];
const BAND = [0xee, 0xf2, 0xf6]; // --band, the lightest tint text sits on besides paper

function rgb(hex) {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
}

function luminance(colour) {
  const [r, g, b] = colour.map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrast(a, b) {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

const hex = (colour) => `#${colour.map((c) => Math.round(c).toString(16).padStart(2, "0")).join("")}`;

/** Link and button colours from any primary colour, keeping WCAG AA (4.5:1): the colour
 * itself when it is dark enough for text on the page's backgrounds, else the same hue
 * darkened until it is. Buttons are that colour with white text, which then also passes. */
export function accentFor(primary) {
  let colour = rgb(primary);
  while (Math.min(contrast(colour, PAPER), contrast(colour, BAND)) < 4.6) {
    colour = colour.map((c) => c * 0.92);
  }
  return hex(colour);
}

const words = (w) => (w ? w[lang] || w.en : "");

function fill(selector, text) {
  for (const el of document.querySelectorAll(selector)) {
    el.textContent = text;
    el.hidden = !text;
  }
}

function footer(brand) {
  const list = document.getElementById("footer-links");
  list.replaceChildren(...(brand.links || []).map((l) => {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = l.url;
    a.textContent = words(l.label);
    li.append(a);
    return li;
  }));
  list.hidden = !list.children.length;
  const s = brand.support || {};
  const parts = document.getElementById("footer-support");
  parts.replaceChildren();
  const add = (text, href) => {
    if (parts.childNodes.length) parts.append(" · ");
    if (!href) {
      parts.append(text);
      return;
    }
    const a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    parts.append(a);
  };
  if (s.email) add(s.email, `mailto:${s.email}`);
  if (s.phone) add(s.phone, `tel:${s.phone.replace(/[^+0-9]/g, "")}`);
  if (s.hours) add(words(s.hours));
  if (parts.childNodes.length) parts.prepend(`${t("footer.support")}: `);
  parts.hidden = !parts.childNodes.length;
}

export function applyBrand(brand) {
  const name = words(brand.name);
  if (name) {
    fill("[data-brand=name]", name);
    document.title = document.title.replace(/ · [^·]*$/, ` · ${name}`);
  }
  fill("[data-brand=tagline]", words(brand.tagline));
  const logo = document.querySelector(".brand img");
  if (brand.logo) {
    logo.src = brand.logo;
    logo.hidden = false;
  }
  if (/^#[0-9a-f]{6}$/i.test(brand.primaryColour || "")) {
    const root = document.documentElement.style;
    root.setProperty("--brand", brand.primaryColour);
    root.setProperty("--accent", accentFor(brand.primaryColour));
  }
  footer(brand);
}

/** Brand the page; a missing or broken config leaves the neutral default in place. */
export function brandPage() {
  return config().then((cfg) => {
    if (cfg.brand) applyBrand(cfg.brand);
  }).catch(() => {}).finally(() => {
    document.body.dataset.branded = "true";
  });
}
