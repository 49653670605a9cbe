// The one status line at the top of <main>: what just happened, or every error of a failed call.
import { $ } from './dom.js';
import { t } from './i18n.js';
import { errorLines } from './api.js';

export function showStatus(text) {
  const el = $('status');
  el.classList.remove('error');
  el.textContent = text;
}

export function showError(err) {
  const el = $('status');
  el.classList.add('error');
  el.textContent = `${t('status.error')} ${errorLines(err).join(' · ')}`;
}

export function clearStatus() {
  showStatus('');
}
