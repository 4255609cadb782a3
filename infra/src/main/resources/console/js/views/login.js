import { api, session, ApiError } from '../api.js';
import { h, mount, showErrors, clearErrors } from '../ui.js';

/**
 * Two ways in: the dev issuer's login (the default run: a username and any password) and, with an external OIDC
 * issuer, a token pasted from it. The first answers 404 when there is no dev issuer, and the page says so.
 */
export function loginView(done) {
  const username = h('input', { id: 'login-username', name: 'username', autocomplete: 'username', required: true });
  const password = h('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const loginForm = h('form', { id: 'login-form', class: 'card narrow' },
    h('h1', {}, 'Sign in'),
    h('label', { for: 'login-username' }, 'Username'), username,
    h('p', { class: 'field-error', 'data-error-for': 'username' }),
    h('label', { for: 'login-password' }, 'Password'), password,
    h('p', { class: 'hint' }, 'The default run has no passwords: any non-blank password signs you in as that user.'),
    h('p', { class: 'field-error', 'data-error-for': '_form', role: 'alert' }),
    h('button', { id: 'login-submit', type: 'submit' }, 'Sign in'));
  loginForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(loginForm);
    try {
      const result = await api.login(username.value, password.value);
      session.token = result.token;
      done();
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        error.message = 'This Reelay uses an external sign-in: paste a token from your identity provider below.';
        error.errors = [];
      }
      showErrors(loginForm, error);
    }
  });

  const token = h('textarea', { id: 'token-input', name: 'token', rows: 3, spellcheck: 'false', autocomplete: 'off' });
  const tokenForm = h('form', { id: 'token-form', class: 'card narrow' },
    h('h2', {}, 'Or paste a token'),
    h('label', { for: 'token-input' }, 'Bearer token (JWT) from your OIDC issuer'), token,
    h('p', { class: 'field-error', 'data-error-for': '_form', role: 'alert' }),
    h('button', { id: 'token-submit', type: 'submit' }, 'Use token'));
  tokenForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(tokenForm);
    session.token = token.value.trim();
    try {
      await api.quota(); // any authenticated read proves the token is accepted
      done();
    } catch (error) {
      session.token = null;
      showErrors(tokenForm, error);
    }
  });
  mount(loginForm, tokenForm);
  username.focus();
  return {};
}
