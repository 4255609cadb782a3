import { api } from '../api.js';
import { h, mount, toast, showErrors, clearErrors } from '../ui.js';
import { callTable } from './task.js';

/** Admin: projections (position, rebuild), a user's limits and balance, and every provider call. */
export function adminView() {
  const projections = h('section', { id: 'admin-projections', class: 'card wide' }, h('h2', {}, 'Projections'));
  const limits = limitsForm();
  const calls = h('section', { id: 'admin-calls', class: 'card wide' }, h('h2', {}, 'Provider calls (all tasks)'));
  mount(h('h1', {}, 'Admin'), projections, limits, calls);

  async function loadProjections() {
    try {
      const list = await api.projections();
      projections.replaceChildren(h('h2', {}, 'Projections'), h('table', {},
        h('thead', {}, h('tr', {}, ['Name', 'Running', 'Segments', 'Position', 'Lag', 'Caught up', 'Replaying', ''].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, list.map((p) => h('tr', { dataset: { projection: p.name } },
          h('td', {}, p.name), h('td', {}, p.running ? 'yes' : 'no'), h('td', {}, p.segments), h('td', {}, p.position),
          h('td', { class: 'lag' }, p.lag),
          h('td', {}, p.caughtUp ? 'yes' : 'no'), h('td', {}, p.replaying ? (p.replayDone ? 'done' : 'yes') : 'no'),
          h('td', {}, rebuildable(p.name) ? h('button', { type: 'button', onclick: async () => {
            if (!confirm(`Rebuild ${p.name}? Its views are reset and replayed from the events.`)) return;
            try { await api.rebuild(p.name); toast(`Rebuilding ${p.name}`); loadProjections(); } catch (e) { toast(e.message); }
          } }, 'Rebuild') : ''))))));
    } catch (error) {
      projections.append(h('p', { role: 'alert' }, error.message));
    }
  }

  async function loadCalls() {
    try {
      calls.replaceChildren(h('h2', {}, 'Provider calls (all tasks)'), callTable(await api.allCalls({ limit: 100 })));
    } catch (error) {
      calls.append(h('p', { role: 'alert' }, error.message));
    }
  }

  loadProjections();
  loadCalls();
  const timer = setInterval(loadProjections, 5000);
  return { dispose: () => clearInterval(timer) };
}

function rebuildable(name) {
  return ['task-views', 'lineage', 'accounts'].includes(name);
}

function limitsForm() {
  const owner = h('input', { id: 'limits-owner', name: 'owner', required: true });
  const maxConcurrent = h('input', { id: 'limits-concurrent', name: 'maxConcurrent', type: 'number', min: 0 });
  const quota = h('input', { id: 'limits-quota', name: 'quotaVideoSeconds', type: 'number', min: 0 });
  const balance = h('div', { id: 'limits-balance' });
  const form = h('form', { id: 'limits-form', class: 'card wide' },
    h('h2', {}, 'Per-user limits'),
    h('label', { for: 'limits-owner' }, 'User (token subject)'), owner, h('p', { class: 'field-error', 'data-error-for': 'owner' }),
    h('button', { type: 'button', id: 'limits-load' }, 'Show balance'),
    h('label', { for: 'limits-concurrent' }, 'Max concurrent tasks (empty: default)'), maxConcurrent,
    h('p', { class: 'field-error', 'data-error-for': 'maxConcurrent' }),
    h('label', { for: 'limits-quota' }, 'Quota, video-seconds per period (empty: default)'), quota,
    h('p', { class: 'field-error', 'data-error-for': 'quotaVideoSeconds' }),
    h('p', { class: 'field-error', 'data-error-for': '_form', role: 'alert' }),
    h('button', { type: 'submit' }, 'Save limits'), balance);
  async function showBalance() {
    clearErrors(form);
    try {
      const q = await api.userQuota(owner.value);
      balance.replaceChildren(h('p', {}, `${q.owner}: ${q.quota.available} of ${q.quota.limit} video-seconds available; ${q.concurrency.active} of ${q.concurrency.limit} slots busy, ${q.concurrency.waiting} waiting${q.ownLimits ? ' (own limits)' : ' (defaults)'}`));
    } catch (error) {
      showErrors(form, error);
    }
  }
  form.querySelector('#limits-load').addEventListener('click', showBalance);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const number = (input) => (input.value === '' ? null : Number(input.value));
    try {
      await api.setLimits(owner.value, { maxConcurrent: number(maxConcurrent), quotaVideoSeconds: number(quota) });
      toast(`Limits of ${owner.value} saved`);
      showBalance();
    } catch (error) {
      showErrors(form, error);
    }
  });
  return form;
}
