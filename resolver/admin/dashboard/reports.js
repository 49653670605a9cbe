// The reports page: period, scope (network labels), format and language -> a download of /api/report.
import { $, h, replace, formValues } from './dom.js';
import { t, language } from './i18n.js';
import * as api from './api.js';
import { showError, showStatus } from './status.js';

let labels = {};  // label -> sorted values, from the networks

function isoDay(d) {
  return d.toISOString().slice(0, 10);
}

function fillValues() {
  const key = $('report-scope-key').value;
  replace($('report-scope-value'), key ? (labels[key] || []).map((v) => h('option', { value: v, text: v })) : [h('option', { value: '', text: t('reports.everything') })]);
}

async function submit(event) {
  event.preventDefault();
  const v = formValues(event.target);
  const params = { from: v.from, to: v.to, format: v.format, lang: v.lang, download: '1' };
  if (v.scope_key && v.scope_value) params.scope = `${v.scope_key}=${v.scope_value}`;
  const url = `/api/report?${new URLSearchParams(params)}`;
  try {
    // Fetched here (not a plain link) so an error is shown on this page instead of a failed download.
    const res = await fetch(url, { credentials: 'same-origin' });
    if (!res.ok) throw new api.ApiError(res.status, { error: t('reports.failed', { status: res.status }) });
    const name = /filename="?([^";]+)"?/.exec(res.headers.get('Content-Disposition') || '');
    const href = URL.createObjectURL(await res.blob());
    const link = h('a', { href, download: name ? name[1] : `sprout-report.${v.format}` });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(href), 10000);
    showStatus(t('reports.started'));
  } catch (err) {
    showError(err);
  }
}

export async function show() {
  const networks = await api.get('/api/networks');
  labels = {};
  for (const n of networks) {
    for (const [key, value] of Object.entries(n.labels || {})) (labels[key] = labels[key] || new Set()).add(value);
  }
  for (const key of Object.keys(labels)) labels[key] = [...labels[key]].sort();
  const keySelect = $('report-scope-key');
  const current = keySelect.value;
  replace(keySelect, h('option', { value: '', text: t('reports.everything') }),
    Object.keys(labels).sort().map((k) => h('option', { value: k, text: t('reports.label_named', { label: k }) })));
  if (current in labels) keySelect.value = current;
  fillValues();
  if (!$('report-from').value) {
    const today = new Date();
    $('report-to').value = isoDay(today);
    $('report-from').value = isoDay(new Date(today.getTime() - 6 * 86400000));
  }
  $('report-lang').value = language();
}

export function init() {
  $('report-scope-key').addEventListener('change', fillValues);
  $('report-form').addEventListener('submit', submit);
}
