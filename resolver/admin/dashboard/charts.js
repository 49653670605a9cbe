// Our own small SVG charts: bars per day (queries and blocked side by side) and horizontal bars per name.
import { h, s } from './dom.js';
import { t, number, day } from './i18n.js';

let chartSeq = 0;

function frame(titleText, width, height, summary) {
  const id = `chart-${++chartSeq}`;
  return s('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': `${id}-t ${id}-d`, preserveAspectRatio: 'xMidYMid meet' },
    s('title', { id: `${id}-t`, text: titleText }), s('desc', { id: `${id}-d`, text: summary }));
}

function legend() {
  return h('ul', { class: 'legend' },
    h('li', {}, h('span', { class: 'swatch queries', 'aria-hidden': 'true' }), t('chart.queries')),
    h('li', {}, h('span', { class: 'swatch blocked', 'aria-hidden': 'true' }), t('chart.blocked')));
}

function empty() {
  return h('p', { class: 'muted', text: t('chart.empty') });
}

// rows: [{day, queries, blocked}]
export function byDay(titleText, rows) {
  if (!rows.length) return [empty()];
  const width = 360, height = 200, left = 40, bottom = 22, top = 8;  // about 1:1 in a card: text stays readable
  const max = Math.max(1, ...rows.map((r) => r.queries || 0));
  const slot = (width - left) / rows.length;
  const bar = Math.max(1, Math.min(18, slot / 2 - 1));
  const y = (v) => top + (height - top - bottom) * (1 - v / max);
  const summary = rows.map((r) => t('chart.day_summary', { day: day(r.day), queries: number(r.queries), blocked: number(r.blocked) })).join('; ');
  const svg = frame(titleText, width, height, summary);
  svg.append(s('line', { class: 'axis', x1: left, y1: height - bottom, x2: width, y2: height - bottom }),
    s('text', { x: left - 4, y: top + 10, 'text-anchor': 'end', text: number(max) }),
    s('text', { x: left - 4, y: height - bottom, 'text-anchor': 'end', text: '0' }));
  const every = Math.ceil(rows.length / 6);
  rows.forEach((r, i) => {
    const x = left + i * slot + (slot - 2 * bar) / 2;
    svg.append(s('rect', { class: 'bar-queries', x, y: y(r.queries || 0), width: bar, height: height - bottom - y(r.queries || 0) }),
      s('rect', { class: 'bar-blocked', x: x + bar, y: y(r.blocked || 0), width: bar, height: height - bottom - y(r.blocked || 0) }));
    if (i % every === 0) svg.append(s('text', { x: x + bar, y: height - 6, 'text-anchor': 'middle', text: day(r.day) }));
  });
  return [svg, legend()];
}

// rows: [{label, queries?, blocked}] drawn as one or two bars per row.
export function horizontal(titleText, rows, withQueries) {
  if (!rows.length) return [empty()];
  const width = 360, rowHeight = withQueries ? 36 : 24, labelWidth = 104, valueWidth = 84;
  const height = rows.length * rowHeight + 4;
  const max = Math.max(1, ...rows.map((r) => (withQueries ? r.queries : r.blocked) || 0));
  const scale = (v) => ((width - labelWidth - valueWidth) * (v || 0)) / max;
  const summary = rows.map((r) => (withQueries
    ? t('chart.row_summary', { name: r.label, queries: number(r.queries), blocked: number(r.blocked) })
    : t('chart.row_blocked', { name: r.label, blocked: number(r.blocked) }))).join('; ');
  const svg = frame(titleText, width, height, summary);
  rows.forEach((r, i) => {
    const y0 = i * rowHeight + 2;
    const label = r.label.length > 14 ? `${r.label.slice(0, 13)}…` : r.label;
    svg.append(s('text', { x: 0, y: y0 + 14, text: label }));
    let y = y0;
    if (withQueries) {
      svg.append(s('rect', { class: 'bar-queries', x: labelWidth, y, width: scale(r.queries), height: 14 }));
      y += 15;
    }
    svg.append(s('rect', { class: 'bar-blocked', x: labelWidth, y, width: scale(r.blocked), height: withQueries ? 14 : 18 }));
    const shown = withQueries ? `${number(r.queries)} / ${number(r.blocked)}` : number(r.blocked);
    svg.append(s('text', { x: width - valueWidth + 4, y: y0 + 14, text: shown }));
  });
  return withQueries ? [svg, legend()] : [svg];
}
