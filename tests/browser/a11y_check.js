// Our own in-browser accessibility check (not axe-core, which Debian does not package): the
// serious rules of axe that a static page can break. Run by Selenium's execute_script; returns
// a list of "rule: where" strings, empty when the page passes.
const violations = [];
const where = (el) => {
  const id = el.id ? `#${el.id}` : '';
  const cls = el.classList && el.classList.length ? `.${[...el.classList].join('.')}` : '';
  return `${el.tagName.toLowerCase()}${id}${cls} "${(el.textContent || '').trim().slice(0, 40)}"`;
};
const visible = (el) => {
  if (!el.getClientRects().length) return false;
  const style = getComputedStyle(el);
  return style.visibility !== 'hidden' && style.display !== 'none';
};
const textOf = (id) => {
  const el = document.getElementById(id);
  return el ? (el.textContent || '').trim() : '';
};
const byIds = (list) => list.split(/\s+/).filter(Boolean).map(textOf).join(' ').trim();

// The accessible name, as far as these pages use it.
function accessibleName(el) {
  if (el.getAttribute('aria-labelledby')) return byIds(el.getAttribute('aria-labelledby'));
  if ((el.getAttribute('aria-label') || '').trim()) return el.getAttribute('aria-label').trim();
  if (['INPUT', 'SELECT', 'TEXTAREA'].includes(el.tagName)) {
    const labels = el.labels ? [...el.labels].map((l) => (l.textContent || '').trim()).join(' ') : '';
    if (labels.trim()) return labels.trim();
    if (el.type === 'submit' || el.type === 'button') return (el.value || '').trim();
  } else {
    const images = [...el.querySelectorAll('img[alt]')].map((i) => i.alt).join(' ');
    const text = `${(el.textContent || '').trim()} ${images}`.trim();
    if (text) return text;
  }
  return (el.getAttribute('title') || '').trim();
}

// html-has-lang, document-title
if (!(document.documentElement.getAttribute('lang') || '').trim()) violations.push('html-has-lang: <html> has no lang');
if (!document.title.trim()) violations.push('document-title: empty <title>');

// label: every visible form control has a name
for (const el of document.querySelectorAll('input, select, textarea')) {
  if (el.type === 'hidden' || !visible(el)) continue;
  if (!accessibleName(el)) violations.push(`label: ${where(el)}`);
}
// button-name, link-name
for (const el of document.querySelectorAll('button, a[href], [role="button"], [role="link"]')) {
  if (!visible(el) && !el.matches('.skip')) continue;
  if (!accessibleName(el)) violations.push(`button-name/link-name: ${where(el)}`);
}
// image-alt, svg-img-alt
for (const el of document.querySelectorAll('img')) {
  if (!el.hasAttribute('alt') && !el.getAttribute('aria-label')) violations.push(`image-alt: ${where(el)}`);
}
for (const el of document.querySelectorAll('svg[role="img"]')) {
  if (!accessibleName(el)) violations.push(`svg-img-alt: ${where(el)}`);
}
// duplicate-id
const seen = new Map();
for (const el of document.querySelectorAll('[id]')) seen.set(el.id, (seen.get(el.id) || 0) + 1);
for (const [id, n] of seen) if (n > 1) violations.push(`duplicate-id: #${id} ${n} times`);
// tabindex
for (const el of document.querySelectorAll('[tabindex]')) {
  if (Number(el.getAttribute('tabindex')) > 0) violations.push(`tabindex: ${where(el)} has a positive tabindex`);
}
// landmark-one-main, bypass
const mains = [...document.querySelectorAll('main, [role="main"]')].filter(visible);
if (mains.length !== 1) violations.push(`landmark-one-main: ${mains.length} visible main landmarks`);
if (!document.querySelector('a[href="#main"]')) violations.push('bypass: no skip link to #main');
// heading-order, page-has-heading-one
const headings = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].filter(visible);
if (!headings.some((h) => h.tagName === 'H1')) violations.push('page-has-heading-one: no visible h1');
let level = 0;
for (const h of headings) {
  const next = Number(h.tagName[1]);
  if (level && next > level + 1) violations.push(`heading-order: ${where(h)} after h${level}`);
  level = next;
}

// color-contrast: text against the first opaque background behind it (alpha blended).
function rgba(value) {
  const m = /rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)/.exec(value || '');
  return m ? [Number(m[1]), Number(m[2]), Number(m[3]), m[4] === undefined ? 1 : Number(m[4])] : [0, 0, 0, 0];
}
function blend(top, bottom) {
  const a = top[3];
  return [0, 1, 2].map((i) => top[i] * a + bottom[i] * (1 - a)).concat([1]);
}
function background(el) {
  const layers = [];
  for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
    const c = rgba(getComputedStyle(node).backgroundColor);
    if (c[3] > 0) layers.push(c);
    if (c[3] >= 1) break;
  }
  let color = [255, 255, 255, 1];
  for (const layer of layers.reverse()) color = blend(layer, color);
  return color;
}
function luminance(c) {
  const channel = (v) => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(c[0]) + 0.7152 * channel(c[1]) + 0.0722 * channel(c[2]);
}
for (const el of document.querySelectorAll('body *')) {
  if (el.closest('svg') || !visible(el) || el.disabled) continue;
  const ownText = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
  const isControl = ['INPUT', 'SELECT'].includes(el.tagName) && el.value;
  if (!ownText && !isControl) continue;
  const style = getComputedStyle(el);
  const bg = background(el);
  const fg = blend(rgba(style.color), bg);
  const [l1, l2] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
  const ratio = (l1 + 0.05) / (l2 + 0.05);
  const size = parseFloat(style.fontSize);
  const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
  if (ratio < (large ? 3 : 4.5)) violations.push(`color-contrast: ${where(el)} ${ratio.toFixed(2)}:1`);
}
return violations;
