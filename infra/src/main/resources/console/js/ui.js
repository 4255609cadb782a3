// Small DOM helpers: every text goes in through textContent, never innerHTML, so nothing a user typed becomes markup.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function mount(...children) {
  const main = document.getElementById('main');
  main.replaceChildren(...children);
  return main;
}

export function toast(message) {
  const el = document.getElementById('toast');
  el.textContent = message;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { el.textContent = ''; }, 5000);
}

export function age(iso) {
  if (!iso) return '';
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}

export function time(iso) {
  return iso ? new Date(iso).toLocaleString() : '';
}

export function bytes(n) {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(0)} KB`;
  return `${n} B`;
}

/**
 * Puts each field error of a refused request next to the field it names ({@code data-error-for}); what names no field
 * on the form goes to the form's own error line.
 */
export function showErrors(form, error) {
  clearErrors(form);
  const general = form.querySelector('[data-error-for="_form"]');
  const unplaced = [];
  for (const violation of error.errors || []) {
    const slot = form.querySelector(`[data-error-for="${CSS.escape(fieldAlias(violation.field))}"]`);
    if (slot) {
      slot.textContent = violation.message;
      const input = form.querySelector(`[name="${CSS.escape(fieldAlias(violation.field))}"]`);
      if (input) input.setAttribute('aria-invalid', 'true');
    } else {
      unplaced.push(violation.message);
    }
  }
  if (general && (unplaced.length || !(error.errors || []).length)) {
    general.textContent = unplaced.length ? unplaced.join('; ') : error.message;
  }
}

/** The server names a field as the client sent it; the seed backend's names map onto the form's. */
function fieldAlias(field) {
  return { duration: 'seconds', referenceImage: 'input_reference' }[field] || field;
}

export function clearErrors(form) {
  form.querySelectorAll('[data-error-for]').forEach((el) => { el.textContent = ''; });
  form.querySelectorAll('[aria-invalid]').forEach((el) => el.removeAttribute('aria-invalid'));
}

export function statusBadge(status) {
  return h('span', { class: `badge status-${String(status).toLowerCase()}` }, status);
}
