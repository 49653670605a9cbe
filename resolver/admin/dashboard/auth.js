// First-run setup, sign-in and sign-out against /api/setup, /api/login, /api/session, /api/logout.
import { $, formValues } from './dom.js';
import { t } from './i18n.js';
import * as api from './api.js';
import { showError, showStatus, clearStatus } from './status.js';

// The signed-in session, or null; an unexpected failure (not 401) propagates.
export async function currentSession() {
  try {
    return await api.get('/api/session');
  } catch (err) {
    if (err.status === 401) return null;
    throw err;
  }
}

export async function setupNeeded() {
  const answer = await api.get('/api/setup');
  return Boolean(answer.needed);
}

function bind(formId, handler) {
  $(formId).addEventListener('submit', async (event) => {
    event.preventDefault();
    clearStatus();
    try {
      await handler(formValues(event.target));
    } catch (err) {
      showError(err);
    }
  });
}

// onSignedIn(session) is called after a successful setup or sign-in.
export function init(onSignedIn) {
  bind('setup-form', async (v) => {
    if (v.password !== v.password2) {
      showError(new api.ApiError(0, { error: t('setup.mismatch') }));
      return;
    }
    // The new administrator is signed in by the setup answer itself (a session like /api/login's).
    const session = await api.post('/api/setup', { user: v.user, password: v.password });
    showStatus(t('setup.done'));
    onSignedIn(session);
  });
  bind('signin-form', async (v) => {
    try {
      const session = await api.post('/api/login', { user: v.user, password: v.password });
      $('signin-password').value = '';
      onSignedIn(session);
    } catch (err) {
      if (err.status === 401) throw new api.ApiError(401, { error: t('signin.wrong') });
      if (err.status === 429) throw new api.ApiError(429, { error: t('signin.too_many') });
      throw err;
    }
  });
}

export async function signOut() {
  await api.post('/api/logout', {});
  api.setSession(null);
}
