// The read-only pages: lists, networks, and the audit log (with undo).
import { $, h, replace, table } from './dom.js';
import { t, has, number, dateTime } from './i18n.js';
import * as api from './api.js';
import { stateClass, stateText } from './overview.js';
import { showError, showStatus } from './status.js';

function errorsCell(errors) {
  if (!errors || !errors.length) return '';
  return h('ul', { class: 'plain errors' }, errors.slice(0, 20).map((e) => h('li', { text: e.line > 0 ? t('lists.error_line', { line: e.line, message: e.message }) : e.message })));
}

export async function showLists() {
  const lists = await api.get('/api/lists');
  replace($('lists-table'), lists.length ? table(t('lists.title'),
    [t('col.list'), t('col.category'), t('col.source'), t('col.format'), t('col.state'), { text: t('col.entries'), num: true }, t('col.refreshed'), t('col.errors')],
    lists.map((l) => [l.name, l.category, { text: l.source, cls: 'source' }, l.format, { text: stateText(l.state), cls: stateClass(l.state) },
      { text: number(l.entries), num: true }, l.last_refresh ? dateTime(l.last_refresh) : t('lists.never'), errorsCell(l.errors)]))
    : h('p', { class: 'muted', text: t('chart.empty') }));
}

export async function showNetworks() {
  const networks = await api.get('/api/networks');
  replace($('networks-table'), networks.length ? table(t('networks.title'), [t('col.network'), t('col.cidrs'), t('col.profile'), t('col.labels')],
    networks.map((n) => [n.name, (n.cidrs || []).join(', '), n.profile,
      Object.entries(n.labels || {}).map(([k, v]) => `${k}: ${v}`).join(', ')]))
    : h('p', { class: 'muted', text: t('chart.empty') }));
}

async function undo(entry) {
  try {
    await api.post('/api/undo', { id: String(entry.id) });
    showStatus(t('audit.undone'));
  } catch (err) {
    showError(err);
  }
  await showAudit();
}

function undoCell(entry) {
  if (!entry.undoable || document.body.dataset.role === 'viewer') return '';
  return h('button', { type: 'button', class: 'small secondary', 'data-undo': entry.id,
    'aria-label': t('audit.undo_named', { action: entry.action, target: entry.target }), on: { click: () => undo(entry) } }, t('audit.undo'));
}

// before/after are text (pauses) or JSON (an override's part of overrides.json): shown compactly.
function shown(value) {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export async function showAudit() {
  const { entries = [] } = await api.get('/api/audit', { last: '100' });
  const newest = [...entries].reverse();
  replace($('audit-table'), newest.length ? table(t('audit.title'),
    [t('col.time'), t('col.principal'), t('col.action'), t('col.target'), t('col.before'), t('col.after'), t('col.undo')],
    newest.map((e) => [dateTime(e.time), e.principal, has(`audit.action.${e.action}`) ? t(`audit.action.${e.action}`) : e.action, e.target, { text: shown(e.before), cls: 'json' }, { text: shown(e.after), cls: 'json' }, undoCell(e)]))
    : h('p', { class: 'muted', text: t('audit.empty') }));
}
