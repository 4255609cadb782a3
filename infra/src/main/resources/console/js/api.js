// The API client: one place that holds the token, sends it, and turns problem+json into errors the views can place.

const TOKEN_KEY = 'reelay.token';

/**
 * The token lives in sessionStorage: it survives a reload of this tab but not the tab itself, is never put in a URL
 * (SSE uses single-use tickets), and the strict CSP leaves no inline script that could read it.
 */
export const session = {
  get token() { return sessionStorage.getItem(TOKEN_KEY); },
  set token(value) {
    if (value) sessionStorage.setItem(TOKEN_KEY, value); else sessionStorage.removeItem(TOKEN_KEY);
  },
  /** The token's claims (unverified: for display and for hiding what the server would refuse anyway). */
  get claims() {
    const token = this.token;
    if (!token) return null;
    try {
      const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      return JSON.parse(decodeURIComponent(escape(atob(part))));
    } catch {
      return null;
    }
  },
  get isAdmin() {
    const roles = this.claims?.roles;
    return Array.isArray(roles) && roles.includes('admin');
  },
  get expired() {
    const exp = this.claims?.exp;
    return typeof exp === 'number' && exp * 1000 <= Date.now();
  },
};

/** A refused request: HTTP status, the problem's code and detail, and its field errors ({field, code, message}). */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.code = problem?.code || null;
    this.errors = Array.isArray(problem?.errors) ? problem.errors : [];
  }
}

export async function request(method, path, { json, form, headers = {}, auth = true } = {}) {
  const init = { method, headers: { Accept: 'application/json', ...headers } };
  const sentToken = auth ? session.token : null;
  if (sentToken) init.headers.Authorization = `Bearer ${sentToken}`;
  if (json !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(json);
  } else if (form) {
    init.body = form;
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let body = null;
  if (text) {
    try { body = JSON.parse(text); } catch { body = { detail: text }; }
  }
  if (!response.ok) {
    // only the token this request carried is refused: a request still in flight from before a sign-out (or from
    // another user's session in this tab) must not sign out whoever is signed in now
    if (response.status === 401 && sentToken && session.token === sentToken) {
      session.token = null;
      window.dispatchEvent(new Event('reelay:logged-out'));
    }
    throw new ApiError(response.status, body);
  }
  return body;
}

/** The seed routes answer {success, data, requestTime}: most callers want data. */
export async function data(method, path, options) {
  const body = await request(method, path, options);
  return body && 'data' in body ? body.data : body;
}

export const api = {
  login: (username, password) => data('POST', '/api/auth/login', { json: { username, password }, auth: false }),
  capabilities: () => data('GET', '/api/video/capabilities'),
  models: () => data('GET', '/api/video/models'),
  quota: () => data('GET', '/api/video/quota'),
  tasks: (params) => data('GET', `/api/video/tasks?${new URLSearchParams(params)}`),
  task: (id) => data('GET', `/api/video/tasks/${encodeURIComponent(id)}`),
  history: (id) => data('GET', `/api/video/tasks/${encodeURIComponent(id)}/history`),
  calls: (id) => data('GET', `/api/video/tasks/${encodeURIComponent(id)}/upstream-calls`),
  lineage: (id, params) => data('GET', `/api/video/tasks/${encodeURIComponent(id)}/lineage?${new URLSearchParams(params)}`),
  create: (form, idempotencyKey) => data('POST', '/api/video/tasks', { form, headers: { 'Idempotency-Key': idempotencyKey } }),
  cancel: (id) => data('POST', `/api/video/tasks/${encodeURIComponent(id)}/cancel`, { json: {} }),
  remix: (id, prompt) => data('POST', `/api/video/tasks/${encodeURIComponent(id)}/remix`,
    { json: { prompt }, headers: { 'Idempotency-Key': crypto.randomUUID() } }),
  stats: (params) => data('GET', `/api/video/stats?${new URLSearchParams(params || {})}`),
  streamTicket: () => data('POST', '/api/video/stream-tickets'),
  projections: () => data('GET', '/api/admin/projections'),
  rebuild: (name) => data('POST', `/api/admin/projections/${encodeURIComponent(name)}/rebuild`),
  userQuota: (owner) => data('GET', `/api/admin/users/${encodeURIComponent(owner)}/quota`),
  setLimits: (owner, limits) => request('PUT', `/api/admin/users/${encodeURIComponent(owner)}/limits`, { json: limits }),
  allCalls: (params) => data('GET', `/api/admin/upstream-calls?${new URLSearchParams(params || {})}`),
};

/**
 * Live task events for the signed-in user (or one task): an EventSource opened with a single-use ticket, reopened
 * with a fresh ticket when it drops. {@code onEvent} gets each task event's JSON; {@code onReset} the server's
 * "reload" notice (a resume too far behind).
 */
export function liveEvents({ videoId, onEvent, onReset }) {
  let source = null;
  let closed = false;
  let retry = null;
  async function open() {
    if (closed) return;
    try {
      const { ticket } = await api.streamTicket();
      if (closed) return; // the screen was left while the ticket was on its way
      const path = videoId ? `/api/video/tasks/${encodeURIComponent(videoId)}/events` : '/api/video/tasks/stream';
      source = new EventSource(`${path}?ticket=${encodeURIComponent(ticket)}`);
      source.onmessage = (e) => { try { onEvent(JSON.parse(e.data)); } catch { /* a heartbeat or garbage */ } };
      source.addEventListener('reset', () => onReset && onReset());
      source.onerror = () => {
        // EventSource retries by itself with the same URL, but the ticket was single-use: open a new one instead
        source.close();
        if (!closed) retry = setTimeout(open, 2000);
      };
    } catch {
      if (!closed) retry = setTimeout(open, 5000);
    }
  }
  open();
  return { close() { closed = true; clearTimeout(retry); if (source) source.close(); } };
}
