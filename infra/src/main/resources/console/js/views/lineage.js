import { api } from '../api.js';
import { h, mount, statusBadge, toast } from '../ui.js';

const PAGE = 200;

/** The remix tree of one task: ancestors up to the root, then its descendants, collapsible, paged for big trees. */
export function lineageView(videoId) {
  const holder = h('section', { id: 'lineage', class: 'card wide' }, h('p', { class: 'muted' }, 'Loading…'));
  mount(h('p', {}, h('a', { href: `#/task/${encodeURIComponent(videoId)}` }, '‹ Task')), holder);
  api.lineage(videoId, { maxNodes: PAGE }).then((tree) => {
    holder.replaceChildren(h('h1', {}, 'Lineage of ', h('span', { class: 'mono' }, videoId)), lineageTree(tree, videoId, true));
  }).catch((error) => holder.replaceChildren(h('p', { role: 'alert' }, error.message)));
  return {};
}

/**
 * Draws a lineage answer as nested lists. With {@code paged}, a cut-short answer gets a "load more" button that asks
 * for the next tasks by cursor and hangs each under the parent the server names.
 */
export function lineageTree(answer, videoId, paged = false) {
  const root = h('div', { class: 'lineage' });
  if (answer.ancestors?.length) {
    root.append(h('p', { class: 'ancestors' }, 'From: ', answer.ancestors.map((a, i) =>
      [i ? ' › ' : '', h('a', { href: `#/task/${encodeURIComponent(a.videoId)}`, dataset: { videoId: a.videoId } }, label(a))])));
  }
  const top = h('ul', { class: 'tree', role: 'tree' }, node(answer.descendants, videoId));
  root.append(top);
  if (answer.truncated && answer.nextCursor) {
    if (paged) root.append(moreButton(root, videoId, answer.nextCursor));
    else root.append(h('p', { class: 'muted' }, 'The tree goes on; open it whole to page through it.'));
  }
  return root;
}

function node(n, current) {
  const children = h('ul', { role: 'group' }, (n.children || []).map((c) => node(c, current)));
  const link = h('a', { href: `#/task/${encodeURIComponent(n.videoId)}`, 'aria-current': n.videoId === current ? 'true' : undefined }, label(n));
  const item = h('li', { role: 'treeitem', dataset: { videoId: n.videoId } });
  if (n.children?.length) {
    item.append(h('details', { open: true }, h('summary', {}, link, ' ', statusBadge(n.status)), children));
  } else {
    item.append(link, ' ', statusBadge(n.status), children);
  }
  return item;
}

function label(n) {
  const prompt = n.prompt && n.prompt.length > 50 ? `${n.prompt.slice(0, 50)}…` : n.prompt;
  return `${n.kind === 'remix' ? '↳ ' : ''}${prompt || n.videoId}`;
}

function moreButton(root, videoId, cursor) {
  const button = h('button', { type: 'button', id: 'lineage-more' }, 'Load more');
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const page = await api.lineage(videoId, { maxNodes: PAGE, after: cursor });
      for (const n of page.nodes) {
        const parent = root.querySelector(`li[data-video-id="${CSS.escape(n.parent)}"] > ul, li[data-video-id="${CSS.escape(n.parent)}"] > details > ul`);
        (parent || root.querySelector('ul.tree')).append(node({ ...n, children: [] }, videoId));
      }
      button.remove();
      if (page.truncated && page.nextCursor) root.append(moreButton(root, videoId, page.nextCursor));
    } catch (error) {
      toast(error.message);
      button.disabled = false;
    }
  });
  return button;
}
