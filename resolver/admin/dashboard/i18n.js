// Language choice (localStorage, else the browser's languages), the string catalogue, and Intl formatting.
const SUPPORTED = ['vi', 'en'];
const STORAGE_KEY = 'sprout.lang';
let lang = 'vi';
let catalogue = {};

export function chooseLanguage() {
  const stored = window.localStorage.getItem(STORAGE_KEY);
  if (SUPPORTED.includes(stored)) return stored;
  const wanted = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || ''];
  for (const tag of wanted) {
    const base = String(tag).toLowerCase().split('-')[0];
    if (SUPPORTED.includes(base)) return base;
  }
  return 'vi';  // the programme's language, when the browser prefers neither
}

export async function setLanguage(next, remember) {
  const code = SUPPORTED.includes(next) ? next : 'vi';
  const res = await fetch(`/assets/i18n/${code}.json`, { credentials: 'same-origin' });
  if (!res.ok) throw new Error(`catalogue ${code}: HTTP ${res.status}`);
  catalogue = await res.json();
  lang = code;
  if (remember) window.localStorage.setItem(STORAGE_KEY, code);
  document.documentElement.lang = code;
  apply(document);
}

export function language() {
  return lang;
}

// A catalogue string with {name} placeholders filled; the key itself when missing (a test keeps none missing).
export function t(key, vars) {
  const text = Object.prototype.hasOwnProperty.call(catalogue, key) ? catalogue[key] : key;
  return vars ? text.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m)) : text;
}

// Whether the catalogue has a key (for server words that have a translation, e.g. audit actions).
export function has(key) {
  return Object.prototype.hasOwnProperty.call(catalogue, key);
}

// data-i18n="key" sets the text; data-i18n-attr="aria-label:key;title:key2" sets attributes.
export function apply(root) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of el.dataset.i18nAttr.split(';')) {
      const [attr, key] = pair.split(':');
      el.setAttribute(attr, t(key));
    }
  }
  if (root === document) document.title = t('app.title');
}

function locale() {
  if (lang === 'vi') return 'vi-VN';
  const en = (navigator.languages || []).find((l) => l.toLowerCase().startsWith('en'));
  return en || 'en';
}

export function number(n) {
  return Number.isFinite(n) ? new Intl.NumberFormat(locale()).format(n) : '–';
}

export function dateTime(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso || '–') : new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

export function day(isoDay) {
  const d = new Date(`${isoDay}T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? String(isoDay) : new Intl.DateTimeFormat(locale(), { day: 'numeric', month: 'numeric', timeZone: 'UTC' }).format(d);
}

// "3 hours ago" for an age in seconds.
export function age(seconds) {
  if (!Number.isFinite(seconds)) return '–';
  const rtf = new Intl.RelativeTimeFormat(locale(), { numeric: 'auto' });
  const steps = [[86400, 'day'], [3600, 'hour'], [60, 'minute']];
  for (const [size, unit] of steps) if (seconds >= size) return rtf.format(-Math.floor(seconds / size), unit);
  return rtf.format(-Math.max(0, Math.floor(seconds)), 'second');
}
