import { api, liveEvents } from '../api.js';
import { h, mount, showErrors, clearErrors, age, bytes, statusBadge, toast } from '../ui.js';

const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'EXPIRED']);
const PAGE_SIZE = 20;

/** My tasks: the submit form, quota and slots, and a live list (SSE, no polling) with filters and cursor paging. */
export function tasksView() {
  const state = { capabilities: null, filters: { status: '', model: '' }, cursors: [null], page: 0, next: null };
  const submit = submitForm(state, () => { loadQuota(); loadPage(); });
  const quota = h('section', { id: 'quota', class: 'card', 'aria-label': 'Quota' }, h('h2', {}, 'Quota'), h('p', { class: 'muted' }, 'Loading…'));
  const rows = h('tbody', { id: 'task-rows' });
  const list = h('table', { id: 'task-list', class: 'tasks' },
    h('caption', {}, 'My tasks'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Task'), h('th', { scope: 'col' }, 'Status'),
      h('th', { scope: 'col' }, 'Progress'), h('th', { scope: 'col' }, 'Model'), h('th', { scope: 'col' }, 'Age'),
      h('th', { scope: 'col' }, 'Actions'))),
    rows);
  const statusFilter = h('select', { id: 'filter-status', name: 'status' }, h('option', { value: '' }, 'any'),
    ['QUEUED', 'PROCESSING', 'COMPLETED', 'FAILED', 'CANCELLED'].map((s) => h('option', { value: s }, s)));
  const modelFilter = h('select', { id: 'filter-model', name: 'model' }, h('option', { value: '' }, 'any'));
  const prev = h('button', { type: 'button', id: 'prev-page', disabled: true }, '‹ Newer');
  const next = h('button', { type: 'button', id: 'next-page', disabled: true }, 'Older ›');
  const filters = h('form', { class: 'filters', 'aria-label': 'Filters' },
    h('label', { for: 'filter-status' }, 'Status'), statusFilter,
    h('label', { for: 'filter-model' }, 'Model'), modelFilter, prev, next);
  for (const select of [statusFilter, modelFilter]) {
    select.addEventListener('change', () => {
      state.filters[select.name] = select.value;
      state.cursors = [null];
      state.page = 0;
      loadPage();
    });
  }
  prev.addEventListener('click', () => { state.page -= 1; loadPage(); });
  next.addEventListener('click', () => { state.cursors[state.page + 1] = state.next; state.page += 1; loadPage(); });

  mount(h('div', { class: 'columns' }, submit.form, quota), h('section', { class: 'card wide' }, filters, list));

  async function loadPage() {
    const params = { limit: PAGE_SIZE };
    if (state.filters.status) params.status = state.filters.status;
    if (state.filters.model) params.model = state.filters.model;
    if (state.cursors[state.page]) params.cursor = state.cursors[state.page];
    try {
      const page = await api.tasks(params);
      state.next = page.nextCursor;
      rows.replaceChildren(...page.items.map(row));
      if (!page.items.length) rows.append(h('tr', {}, h('td', { colspan: 6, class: 'muted' }, 'No tasks yet.')));
      prev.disabled = state.page === 0;
      next.disabled = !state.next;
    } catch (error) {
      toast(error.message);
    }
  }

  async function loadQuota() {
    try {
      const q = await api.quota();
      quota.replaceChildren(h('h2', {}, 'Quota'),
        h('p', {}, `${q.quota.available} of ${q.quota.limit} ${q.quota.unit} available (held ${q.quota.held}, used ${q.quota.captured}); resets ${new Date(q.quota.resetsAt).toLocaleString()}`),
        h('meter', { min: 0, max: Number(q.quota.limit) || 1, value: Number(q.quota.captured) + Number(q.quota.held), 'aria-label': 'Quota used' }),
        h('p', { id: 'slots' }, `Slots: ${q.concurrency.active} of ${q.concurrency.limit} running, ${q.concurrency.waiting} waiting`));
    } catch (error) {
      quota.replaceChildren(h('h2', {}, 'Quota'), h('p', { class: 'muted' }, error.message));
    }
  }

  function row(task) {
    const progress = h('progress', { max: 100, value: task.progress, 'aria-label': `Progress of ${task.videoId}` });
    const queue = task.queue ? (task.queue.position ? ` #${task.queue.position} in queue` : ` at ${task.queue.waitingIn}`) : '';
    const actions = h('td', { class: 'actions' });
    if (!TERMINAL.has(task.status)) {
      actions.append(h('button', { type: 'button', class: 'cancel', onclick: async () => {
        try { await api.cancel(task.videoId); await refresh(task.videoId); loadQuota(); } catch (e) { toast(e.message); }
      } }, 'Cancel'));
    }
    if (task.status === 'COMPLETED') actions.append(remixButton(task.videoId));
    return h('tr', { dataset: { videoId: task.videoId, status: task.status, progress: String(task.progress) } },
      h('td', {}, h('a', { href: `#/task/${encodeURIComponent(task.videoId)}`, title: task.prompt }, shorten(task.prompt, 60)),
        h('div', { class: 'muted mono' }, task.videoId)),
      h('td', { class: 'status' }, statusBadge(task.status), queue),
      h('td', {}, progress, ` ${task.progress}%`),
      h('td', {}, task.model),
      h('td', { title: task.createdAt }, age(task.createdAt)),
      actions);
  }

  function remixButton(videoId) {
    return h('button', { type: 'button', class: 'remix', onclick: (e) => {
      const cell = e.target.closest('td');
      const input = h('input', { name: 'prompt', 'aria-label': 'Remix prompt', placeholder: 'What to change', required: true });
      const form = h('form', { class: 'inline remix-form' }, input,
        h('button', { type: 'submit' }, 'Remix'), h('p', { class: 'field-error', 'data-error-for': 'prompt' }),
        h('p', { class: 'field-error', 'data-error-for': '_form' }));
      form.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        clearErrors(form);
        try {
          const remix = await api.remix(videoId, input.value);
          toast(`Remix ${remix.videoId} queued`);
          loadPage();
        } catch (error) {
          showErrors(form, error);
        }
      });
      cell.replaceChildren(form);
      input.focus();
    } }, 'Remix');
  }

  async function refresh(videoId) {
    const existing = rows.querySelector(`tr[data-video-id="${CSS.escape(videoId)}"]`);
    try {
      const task = await api.task(videoId);
      if (existing) existing.replaceWith(row(task));
      else if (state.page === 0 && !state.filters.status && (!state.filters.model || state.filters.model === task.model)) {
        rows.querySelector('td[colspan]')?.closest('tr')?.remove();
        rows.prepend(row(task));
      }
    } catch {
      existing?.remove(); // deleted or expired
    }
  }

  let quotaTimer = null;
  const live = liveEvents({
    onEvent: (event) => {
      const existing = rows.querySelector(`tr[data-video-id="${CSS.escape(event.videoId)}"]`);
      if (event.type === 'ProgressUpdated' && existing && event.payload && typeof event.payload.progress === 'number') {
        existing.querySelector('progress').value = event.payload.progress;
        existing.dataset.progress = String(event.payload.progress);
      }
      refresh(event.videoId);
      // the quota moves with the task's events (hold, admit, capture, release) but lands a moment later: ask once
      // things have settled rather than once per event
      clearTimeout(quotaTimer);
      quotaTimer = setTimeout(loadQuota, 750);
    },
    onReset: () => loadPage(),
  });

  // the limits come from the capabilities, the models from what the providers offer (sizes, durations, price, audio)
  Promise.all([api.capabilities(), api.models()]).then(([limits, offered]) => {
    const caps = { ...limits, models: offered.models };
    state.capabilities = caps;
    submit.offer(caps);
    modelFilter.append(...caps.models.map((m) => h('option', { value: m.id }, m.id)));
  }).catch((e) => toast(e.message));
  loadQuota();
  loadPage();
  return { dispose: () => { live.close(); clearTimeout(quotaTimer); } };
}

function shorten(text, max) {
  return text && text.length > max ? `${text.slice(0, max)}…` : text;
}

/** The create form: choices from the server's capability list, the image checked in the browser before upload. */
function submitForm(state, created) {
  const prompt = h('textarea', { id: 'prompt', name: 'prompt', rows: 4, required: true, 'aria-describedby': 'prompt-count' });
  const count = h('span', { id: 'prompt-count', class: 'muted', 'aria-live': 'polite' });
  const model = h('select', { id: 'model', name: 'model', required: true });
  const size = h('select', { id: 'size', name: 'size' });
  const seconds = h('select', { id: 'seconds', name: 'seconds' });
  const image = h('input', { id: 'image', name: 'input_reference', type: 'file', accept: 'image/png,image/jpeg,image/webp' });
  const preview = h('img', { id: 'image-preview', alt: 'Reference image preview', hidden: true });
  const button = h('button', { id: 'submit', type: 'submit' }, 'Generate');
  const form = h('form', { id: 'create-form', class: 'card', novalidate: true },
    h('h1', {}, 'New video'),
    h('label', { for: 'prompt' }, 'Prompt'), prompt, count,
    h('p', { class: 'field-error', 'data-error-for': 'prompt', role: 'alert' }),
    h('div', { class: 'row' },
      h('div', {}, h('label', { for: 'model' }, 'Model'), model, h('p', { class: 'field-error', 'data-error-for': 'model' })),
      h('div', {}, h('label', { for: 'size' }, 'Size'), size, h('p', { class: 'field-error', 'data-error-for': 'size' })),
      h('div', {}, h('label', { for: 'seconds' }, 'Seconds'), seconds, h('p', { class: 'field-error', 'data-error-for': 'seconds' }))),
    h('label', { for: 'image' }, 'Reference image (optional)'), image, preview,
    h('p', { class: 'field-error', 'data-error-for': 'input_reference', role: 'alert' }),
    h('p', { class: 'field-error', 'data-error-for': '_form', role: 'alert' }),
    button);
  let idempotencyKey = crypto.randomUUID();

  function updateCount() {
    const max = state.capabilities?.maxPromptLength;
    const length = [...prompt.value].length;
    count.textContent = max ? `${length} / ${max}` : `${length}`;
    count.classList.toggle('over', !!max && length > max);
  }
  prompt.addEventListener('input', () => { updateCount(); idempotencyKey = crypto.randomUUID(); });

  function fillChoices() {
    const chosen = state.capabilities.models.find((m) => m.id === model.value) || state.capabilities.models[0];
    size.replaceChildren(...chosen.sizes.map((s) => h('option', { value: s }, s)));
    seconds.replaceChildren(...chosen.seconds.map((s) => h('option', { value: s }, `${s}`)));
    image.disabled = !chosen.imageInput;
  }
  model.addEventListener('change', fillChoices);

  image.addEventListener('change', () => {
    const slot = form.querySelector('[data-error-for="input_reference"]');
    slot.textContent = '';
    preview.hidden = true;
    const file = image.files[0];
    if (!file) return;
    const caps = state.capabilities;
    if (caps && !caps.imageTypes.includes(file.type)) {
      slot.textContent = `${file.name} is ${file.type || 'of an unknown type'}; PNG, JPEG or WebP are accepted`;
      image.value = '';
      return;
    }
    if (caps && file.size > caps.maxImageBytes) {
      slot.textContent = `${file.name} is ${bytes(file.size)}; the limit is ${bytes(caps.maxImageBytes)}`;
      image.value = '';
      return;
    }
    preview.src = URL.createObjectURL(file);
    preview.hidden = false;
  });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const body = new FormData();
    body.append('prompt', prompt.value);
    body.append('model', model.value);
    body.append('size', size.value);
    body.append('seconds', seconds.value);
    if (image.files[0]) body.append('input_reference', image.files[0]);
    button.disabled = true;
    try {
      const task = await api.create(body, idempotencyKey);
      idempotencyKey = crypto.randomUUID();
      toast(`Task ${task.videoId} queued`);
      prompt.value = '';
      image.value = '';
      preview.hidden = true;
      updateCount();
      created(task);
    } catch (error) {
      showErrors(form, error);
    } finally {
      button.disabled = false;
    }
  });

  return {
    form,
    offer(caps) {
      model.replaceChildren(...caps.models.map((m) => h('option', { value: m.id }, modelLabel(m))));
      fillChoices();
      updateCount();
    },
  };
}

/** A model as the create form offers it: its id, and what sets it apart when the providers say (price, audio). */
function modelLabel(m) {
  const extras = [];
  if (m.pricePerSecondFrom != null) extras.push(`from ${m.pricePerSecondFrom}/s`);
  if (m.audio) extras.push('audio');
  return extras.length ? `${m.id} (${extras.join(', ')})` : m.id;
}
