// The dashboard's entry point: language, session, and the page shown for the address's #hash.
import { $ } from './dom.js';
import { chooseLanguage, setLanguage, language, t } from './i18n.js';
import * as api from './api.js';
import * as auth from './auth.js';
import * as overview from './overview.js';
import * as explain from './explain.js';
import * as actions from './actions.js';
import * as reports from './reports.js';
import * as tables from './tables.js';
import { showError, clearStatus } from './status.js';

// Each page of the navigation and what fills it when shown.
const PAGES = {
  overview: overview.show,
  explain: explain.show,
  actions: actions.show,
  reports: reports.show,
  lists: tables.showLists,
  networks: tables.showNetworks,
  audit: tables.showAudit,
};
let session = null;

function reveal(name) {
  for (const section of document.querySelectorAll('main > section[data-page]')) section.hidden = section.dataset.page !== name;
  for (const link of document.querySelectorAll('#nav a')) {
    if (link.getAttribute('href') === `#${name}`) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

function setTitle(name) {
  document.title = `${t(`nav.${name}`)} · ${t('app.title')}`;
}

async function route() {
  if (!session) return;
  const wanted = location.hash.slice(1);
  // A read-only account can look at everything but has nothing to do on the actions page.
  const name = wanted in PAGES && !(wanted === 'actions' && session.role === 'viewer') ? wanted : 'overview';
  reveal(name);
  setTitle(name);
  document.body.dataset.page = name;
  try {
    await PAGES[name]();
    document.body.dataset.ready = name;  // for the browser test: the page has its data
  } catch (err) {
    showError(err);
  }
}

function signedIn(s) {
  session = s;
  api.setSession(s);
  document.body.dataset.role = s.role || '';
  $('who').textContent = t('auth.signed_in_as', { user: s.user, role: t(`role.${s.role}`) });
  document.querySelector('#nav a[href="#actions"]').parentElement.hidden = s.role === 'viewer';
  $('nav').hidden = false;
  $('signout').hidden = false;
  $('main').focus();
  route();
}

async function signedOut() {
  session = null;
  api.setSession(null);
  delete document.body.dataset.ready;
  $('nav').hidden = true;
  $('signout').hidden = true;
  $('who').textContent = '';
  const page = (await auth.setupNeeded()) ? 'setup' : 'signin';
  reveal(page);
  document.title = `${t(`${page}.title`)} · ${t('app.title')}`;
  document.body.dataset.ready = page;
}

async function boot() {
  await setLanguage(chooseLanguage(), false);
  $('lang').value = language();
  $('lang').addEventListener('change', async () => {
    await setLanguage($('lang').value, true);
    if (session) signedIn(session); else await signedOut();
  });
  auth.init(signedIn);
  for (const page of [overview, explain, actions, reports]) page.init();
  $('signout').addEventListener('click', () => auth.signOut().then(signedOut).catch(showError));
  window.addEventListener('hashchange', () => { clearStatus(); route(); });
  window.addEventListener('sprout:unauthorized', () => { if (session) signedOut().catch(showError); });
  const s = await auth.currentSession();
  if (s) signedIn(s); else await signedOut();
}

boot().catch(showError);
