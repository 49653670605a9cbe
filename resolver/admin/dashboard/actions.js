// The actions page: domain allow/block, category on/off, schedule skip/extend, network pause, refresh, reload.
import { $, h, replace, formValues } from './dom.js';
import { t, dateTime } from './i18n.js';
import * as api from './api.js';
import { errorLines } from './api.js';
import { showStatus, clearStatus } from './status.js';

let profiles = [];

function options(select, values, labelOf) {
  const current = select.value;
  replace(select, values.map((v) => h('option', { value: v, text: labelOf ? labelOf(v) : v })));
  if (values.includes(current)) select.value = current;
}

function profileNamed(name) {
  return profiles.find((p) => p.name === name) || { categories: [], schedules: [], blocked_categories: [] };
}

function fillProfileChoices() {
  const cat = profileNamed($('category-profile').value);
  options($('category-name'), cat.categories || [], (c) => ((cat.blocked_categories || []).includes(c) ? t('actions.category_blocked', { name: c }) : c));
  const sched = profileNamed($('schedule-profile').value);
  options($('schedule-name'), (sched.schedules || []).map((x) => x.name));
}

function result(ok, lines) {
  const box = $('action-result');
  replace(box, h('p', { class: ok ? 'state-ok' : 'state-bad', text: t(ok ? 'actions.done' : 'actions.failed') }),
    lines.length ? h('ul', { class: 'plain' }, lines.map((l) => h('li', { text: l }))) : null,
    ok ? h('p', {}, h('a', { href: '#audit', text: t('actions.see_audit') })) : null);
  showStatus(t(ok ? 'actions.done' : 'actions.failed'));
  if (!ok) $('status').classList.add('error');
}

async function run(path, params, describe) {
  clearStatus();
  try {
    const answer = await api.post(path, params);
    result(true, describe ? [describe(answer)] : []);
    return answer;
  } catch (err) {
    result(false, errorLines(err));
    return null;
  }
}

function onSubmit(id, build) {
  $(id).addEventListener('submit', (event) => {
    event.preventDefault();
    const [path, params, describe] = build(formValues(event.target));
    run(path, params, describe).then(() => show().catch(() => {}));
  });
}

export async function show() {
  const [profileList, networks] = await Promise.all([api.get('/api/profiles'), api.get('/api/networks')]);
  profiles = profileList;
  for (const select of document.querySelectorAll('select.profiles')) options(select, profiles.map((p) => p.name));
  options($('pause-network'), networks.map((n) => n.name));
  fillProfileChoices();
}

export function init() {
  $('category-profile').addEventListener('change', fillProfileChoices);
  $('schedule-profile').addEventListener('change', fillProfileChoices);
  onSubmit('domain-form', (v) => ['/api/override', { profile: v.profile, kind: 'domain', domain: v.domain.trim(), action: v.action },
    () => t(`actions.domain_${v.action}`, { domain: v.domain.trim(), profile: v.profile })]);
  onSubmit('category-form', (v) => ['/api/override', { profile: v.profile, kind: 'category', category: v.category, enabled: v.enabled }]);
  onSubmit('schedule-form', (v) => ['/api/override', { profile: v.profile, kind: 'schedule', schedule: v.schedule, action: v.action, minutes: v.minutes }]);
  onSubmit('pause-form', (v) => ['/api/pause', { scope: 'network', target: v.target, for: String(Math.round(Number(v.minutes) * 60)) },
    (a) => t('actions.paused', { target: v.target, until: dateTime(a.until) })]);
  $('refresh-lists').addEventListener('click', () => run('/api/refresh', {}));
  $('reload-config').addEventListener('click', () => run('/api/reload', {}, (a) => a.message || ''));
}
