// The JSON API as the page uses it: same-origin cookie session, CSRF token on every POST.
let csrf = '';

export function setSession(session) {
  csrf = session && session.csrf ? session.csrf : '';
}

export class ApiError extends Error {
  constructor(status, body) {
    super(body && body.error ? String(body.error) : `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }
}

async function read(res) {
  const type = res.headers.get('Content-Type') || '';
  const body = type.includes('json') ? await res.json().catch(() => ({})) : {};
  if (res.status === 401) window.dispatchEvent(new CustomEvent('sprout:unauthorized'));
  if (!res.ok) throw new ApiError(res.status, body);
  return body;
}

export async function get(path, params) {
  const query = params ? `?${new URLSearchParams(params)}` : '';
  return read(await fetch(path + query, { credentials: 'same-origin', headers: { Accept: 'application/json' } }));
}

export async function post(path, params) {
  const res = await fetch(path, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded', 'X-CSRF-Token': csrf },
    body: new URLSearchParams(params || {}),
  });
  if (res.status === 204) return {};
  return read(res);
}

// Every message a failed call carries: {"error": ..} or a 422's list of validation errors.
export function errorLines(err) {
  const body = err && err.body ? err.body : {};
  const list = Array.isArray(body.errors) ? body.errors.map((e) => (typeof e === 'string' ? e : e.message || JSON.stringify(e))) : [];
  if (body.error) list.unshift(String(body.error));
  if (!list.length) list.push(err && err.message ? err.message : String(err));
  return list;
}
