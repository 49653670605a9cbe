// Small DOM builders: text always goes in through textContent, so nothing from the server is parsed as HTML.
const SVG_NS = 'http://www.w3.org/2000/svg';

function fill(el, attrs, children) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') el.textContent = String(value);
    else if (key === 'on') for (const [type, fn] of Object.entries(value)) el.addEventListener(type, fn);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function h(tag, attrs, ...children) {
  return fill(document.createElement(tag), attrs, children);
}

export function s(tag, attrs, ...children) {
  return fill(document.createElementNS(SVG_NS, tag), attrs, children);
}

export function $(id) {
  return document.getElementById(id);
}

export function replace(el, ...children) {
  el.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
}

// A table with a header row; a cell is text, a Node, or {text|node, cls, num}.
export function table(caption, headers, rows) {
  const cell = (tag, c) => {
    if (c instanceof Node) return h(tag, {}, c);
    if (c && typeof c === 'object') return h(tag, { class: [c.num ? 'num' : '', c.cls || ''].join(' ').trim() || null }, c.node || c.text);
    return h(tag, {}, c === undefined || c === null ? '' : String(c));
  };
  const head = h('tr', {}, headers.map((x) => {
    const th = cell('th', x);
    th.setAttribute('scope', 'col');
    return th;
  }));
  return h('div', { class: 'table-wrap' },
    h('table', {}, caption ? h('caption', { class: 'visually-hidden' }, caption) : null,
      h('thead', {}, head), h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c) => cell('td', c)))))));
}

// The fields of a form as a plain object (what the API takes as parameters).
export function formValues(form) {
  return Object.fromEntries(new FormData(form).entries());
}
