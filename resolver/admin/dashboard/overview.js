// The overview page: totals, charts, lists, upstreams, the next schedule changes and running pauses.
import { $, h, replace, table } from './dom.js';
import { t, number, dateTime, age } from './i18n.js';
import * as api from './api.js';
import * as charts from './charts.js';
import { showError } from './status.js';

const TOTALS = ['queries', 'blocked', 'safesearch', 'bypass'];

function totals(data) {
  return TOTALS.map((key) => h('div', { class: 'total', 'data-total': key },
    h('span', { class: 'label', text: t(`total.${key}`) }),
    h('span', { class: 'value', text: number((data.totals || {})[key] || 0) })));
}

export function stateClass(state) {
  const s = String(state || '');
  if (s === 'ok' || s === 'up') return 'state-ok';
  if (s.startsWith('failed') || s === 'down') return 'state-bad';
  return 'state-warn';
}

export function stateText(state) {
  const s = String(state || '');
  const word = s.split(' ')[0];
  const known = ['ok', 'stale', 'failed', 'bundled', 'up', 'down', 'loading'];
  return known.includes(word) ? [t(`state.${word}`), s.slice(word.length)].join('') : s;
}

function listsTable(lists) {
  if (!lists.length) return h('p', { class: 'muted', text: t('chart.empty') });
  return table(t('overview.lists'), [t('col.list'), t('col.category'), t('col.state'), { text: t('col.entries'), num: true }, t('col.age'), t('col.error')],
    lists.map((l) => [l.name, l.category, { text: stateText(l.state), cls: stateClass(l.state) }, { text: number(l.entries), num: true },
      age(l.age_seconds), { text: l.error || '', cls: 'errors' }]));
}

function upstreamsTable(ups) {
  if (!ups.length) return h('p', { class: 'muted', text: t('chart.empty') });
  return table(t('overview.upstreams'), [t('col.upstream'), t('col.state'), { text: t('col.answers'), num: true }, { text: t('col.failures'), num: true }],
    ups.map((u) => [u.name || u.address, { text: stateText(u.state), cls: stateClass(u.state) }, { text: number(u.answers), num: true }, { text: number(u.failures), num: true }]));
}

function nextChanges(changes) {
  if (!changes.length) return h('p', { class: 'muted', text: t('overview.no_changes') });
  return h('ul', { class: 'plain' }, changes.map((c) => h('li', {}, t('overview.change_line', { profile: c.profile, what: c.what, at: dateTime(c.at) }))));
}

export function pauseList(pauses, onCancel) {
  if (!pauses.length) return h('p', { class: 'muted', text: t('overview.no_pauses') });
  return h('ul', { class: 'plain' }, pauses.map((p) => h('li', {},
    t('pause.line', { scope: t(`scope.${p.scope}`), target: p.target, until: dateTime(p.until) }), ' ',
    onCancel ? h('button', { type: 'button', class: 'small secondary', 'data-cancel-pause': p.target, on: { click: () => onCancel(p) } },
      t('pause.cancel')) : null)));
}

async function cancelPause(p) {
  await api.post('/api/pause', { scope: p.scope, target: p.target, cancel: '1' });
  await show();
}

export async function show() {
  const period = $('period').value || 'today';
  const data = await api.get('/api/overview', { period });
  const canChange = document.body.dataset.role !== 'viewer';
  replace($('period-range'), data.from && data.to ? t('overview.range', { from: dateTime(data.from), to: dateTime(data.to) }) : '');
  replace($('totals'), totals(data));
  $('overview-note').hidden = !data.note;
  $('overview-note').textContent = data.note || '';  // from the server, e.g. why a central store shows no counts here
  replace($('chart-day'), charts.byDay(t('overview.by_day'), data.by_day || []));
  replace($('chart-network'), charts.horizontal(t('overview.by_network'),
    (data.by_network || []).map((r) => ({ label: r.network, queries: r.queries, blocked: r.blocked })), true));
  replace($('chart-category'), charts.horizontal(t('overview.by_category'),
    (data.by_category || []).map((r) => ({ label: r.category, blocked: r.blocked })), false));
  replace($('overview-lists'), listsTable(data.lists || []));
  replace($('overview-upstreams'), upstreamsTable(data.upstreams || []));
  replace($('overview-next'), nextChanges(data.next_changes || []));
  replace($('overview-pauses'), pauseList(data.pauses || [], canChange ? cancelPause : null));
}

export function init() {
  $('period').addEventListener('change', () => show().catch(showError));
}
