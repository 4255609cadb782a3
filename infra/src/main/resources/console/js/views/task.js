import { api, liveEvents } from '../api.js';
import { h, mount, time, statusBadge, showErrors, clearErrors } from '../ui.js';
import { lineageTree } from './lineage.js';

/** One task: its state, the video (signed link, seekable), the event timeline, the provider calls and its lineage. */
export function taskView(videoId) {
  const summary = h('section', { id: 'task-summary', class: 'card' }, h('p', { class: 'muted' }, 'Loading…'));
  const player = h('section', { id: 'task-media', class: 'card' });
  const timeline = h('section', { id: 'task-history', class: 'card' }, h('h2', {}, 'History'));
  const calls = h('section', { id: 'task-calls', class: 'card' }, h('h2', {}, 'Provider calls'));
  const lineage = h('section', { id: 'task-lineage', class: 'card' }, h('h2', {}, 'Lineage'));
  mount(h('p', {}, h('a', { href: '#/tasks' }, '‹ My tasks')), h('div', { class: 'columns' }, summary, player),
    timeline, calls, lineage);
  let shownVideo = null;

  async function load() {
    let task;
    try {
      task = await api.task(videoId);
    } catch (error) {
      summary.replaceChildren(h('p', { role: 'alert' }, error.message));
      return;
    }
    summary.replaceChildren(h('h1', {}, 'Task ', h('span', { class: 'mono' }, task.videoId)),
      h('dl', { class: 'facts' },
        fact('Status', statusBadge(task.status)),
        fact('Progress', h('progress', { id: 'task-progress', max: 100, value: task.progress }), ` ${task.progress}%`),
        fact('Prompt', task.prompt),
        fact('Model', task.model), fact('Size', task.size), fact('Seconds', task.seconds),
        fact('Provider', task.provider || '—'), fact('Provider job', task.externalTaskId || '—'),
        fact('Created', time(task.createdAt)), fact('Completed', time(task.completedAt) || '—'),
        task.error ? fact('Error', `${task.error.code}: ${task.error.message}`) : null,
        task.metadata?.remix_from ? fact('Remix of', h('a', { href: `#/task/${encodeURIComponent(task.metadata.remix_from)}` }, task.metadata.remix_from)) : null));
    if (task.status === 'COMPLETED' && task.videoUrl && shownVideo !== task.videoId) {
      shownVideo = task.videoId;
      const remixPrompt = h('input', { id: 'remix-prompt', name: 'prompt', required: true });
      const remix = h('form', { id: 'remix-form', class: 'inline' },
        h('label', { for: 'remix-prompt' }, 'Remix with prompt'), remixPrompt,
        h('button', { type: 'submit', id: 'remix-submit' }, 'Remix'),
        h('p', { class: 'field-error', 'data-error-for': 'prompt' }), h('p', { class: 'field-error', 'data-error-for': '_form' }));
      remix.addEventListener('submit', async (e) => {
        e.preventDefault();
        clearErrors(remix);
        try {
          const made = await api.remix(videoId, remixPrompt.value);
          location.hash = `#/task/${encodeURIComponent(made.videoId)}`;
        } catch (error) {
          showErrors(remix, error);
        }
      });
      player.replaceChildren(h('h2', {}, 'Video'),
        h('video', { id: 'task-video', controls: true, preload: 'auto', src: task.videoUrl, poster: task.thumbnailUrl || undefined }),
        task.thumbnailUrl ? h('p', {}, h('img', { id: 'task-thumbnail', src: task.thumbnailUrl, alt: 'Thumbnail', class: 'thumb' })) : null,
        remix);
    } else if (task.status !== 'COMPLETED') {
      player.replaceChildren(h('h2', {}, 'Video'), h('p', { class: 'muted' }, `The video appears here once the task completes (now ${task.status}).`));
    }
    loadHistory();
    loadCalls();
    loadLineage();
  }

  async function loadHistory() {
    try {
      const history = await api.history(videoId);
      timeline.replaceChildren(h('h2', {}, 'History'), h('ol', { class: 'timeline' }, history.events.map((e) =>
        h('li', { dataset: { type: e.type } },
          h('strong', {}, e.type), ' ', h('time', { datetime: e.time }, time(e.time)),
          h('div', { class: 'muted' }, `by ${e.principal || 'system'} · correlation ${e.correlationId || '—'} · trace ${e.traceId || '—'}`)))));
    } catch (error) {
      timeline.replaceChildren(h('h2', {}, 'History'), h('p', { class: 'muted' }, error.message));
    }
  }

  async function loadCalls() {
    try {
      const rows = await api.calls(videoId);
      calls.replaceChildren(h('h2', {}, 'Provider calls'), callTable(rows));
    } catch (error) {
      calls.replaceChildren(h('h2', {}, 'Provider calls'), h('p', { class: 'muted' }, error.message));
    }
  }

  async function loadLineage() {
    try {
      const tree = await api.lineage(videoId, { maxNodes: 50 });
      lineage.replaceChildren(h('h2', {}, 'Lineage'), lineageTree(tree, videoId),
        h('p', {}, h('a', { href: `#/lineage/${encodeURIComponent(videoId)}` }, 'Open the whole tree')));
    } catch (error) {
      lineage.replaceChildren(h('h2', {}, 'Lineage'), h('p', { class: 'muted' }, error.message));
    }
  }

  const live = liveEvents({ videoId, onEvent: () => load(), onReset: () => load() });
  load();
  return { dispose: () => live.close() };
}

function fact(name, ...value) {
  return [h('dt', {}, name), h('dd', {}, ...value)];
}

export function callTable(rows) {
  if (!rows.length) return h('p', { class: 'muted' }, 'No provider calls yet.');
  return h('div', { class: 'scroll' }, h('table', { class: 'calls' },
    h('thead', {}, h('tr', {}, ['Time', 'Task', 'Provider', 'Operation', 'HTTP', 'ms', 'Attempt', 'Error'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows.map((c) => h('tr', {},
      h('td', {}, time(c.calledAt)), h('td', { class: 'mono' }, c.videoId), h('td', {}, c.provider), h('td', {}, c.operation),
      h('td', {}, c.httpStatus ?? '—'), h('td', {}, c.durationMs), h('td', {}, c.attempt), h('td', {}, c.error || ''))))));
}

