// "Why was this blocked / allowed?": explain for a domain, as a network or a device, now or at a chosen time.
import { $, h, replace, formValues } from './dom.js';
import { t, number, dateTime } from './i18n.js';
import * as api from './api.js';
import { showError, clearStatus } from './status.js';

// The explain fields shown, in order; each label is in the catalogue as explain.field.<key>.
const FIELDS = ['name', 'type', 'network', 'device', 'profile', 'reason', 'override', 'matched', 'list', 'line', 'source', 'category', 'service',
  'active_schedules', 'next_change', 'ttl_cap', 'answer', 'at'];

function value(key, v) {
  if (Array.isArray(v)) return v.length ? v.join(', ') : '';
  if (key === 'ttl_cap') return v < 0 ? t('explain.no_cap') : t('explain.seconds', { n: number(v) });
  if ((key === 'next_change' || key === 'at') && v) return dateTime(v);
  if (key === 'line') return v > 0 ? number(v) : '';
  return v === undefined || v === null ? '' : String(v);
}

function render(r) {
  const blocked = r.action === 'block' || r.action === 'blocked';
  const verdict = $('explain-verdict');
  verdict.className = `verdict ${blocked ? 'blocked' : 'allowed'}`;
  verdict.textContent = t(blocked ? 'explain.blocked' : 'explain.allowed', { name: r.name || '', action: r.action || '' });
  const rows = [];
  for (const key of FIELDS) {
    const shown = value(key, r[key]);
    if (shown !== '') rows.push(h('dt', { text: t(`explain.field.${key}`) }), h('dd', { text: shown }));
  }
  replace($('explain-details'), rows);
  $('explain-result').hidden = false;
}

async function submit(event) {
  event.preventDefault();
  const v = formValues(event.target);
  const params = { name: v.name.trim(), type: v.type, network: v.network };
  if (v.device.trim()) params.device = v.device.trim();
  if (v.at) params.at = new Date(v.at).toISOString().replace(/\.\d{3}Z$/, 'Z');
  try {
    clearStatus();
    render(await api.get('/api/explain', params));
  } catch (err) {
    showError(err);
  }
}

export async function show() {
  const networks = await api.get('/api/networks');
  const select = $('explain-network');
  const current = select.value;
  replace(select, networks.map((n) => h('option', { value: n.name, text: n.name })));
  if (current) select.value = current;
}

export function init() {
  $('explain-form').addEventListener('submit', submit);
}
