// The console's router: a hash route per screen, so the server only ever serves one page and links stay shareable.
import { session } from './api.js';
import { mount, h } from './ui.js';
import { loginView } from './views/login.js';
import { tasksView } from './views/tasks.js';
import { taskView } from './views/task.js';
import { lineageView } from './views/lineage.js';
import { statsView } from './views/stats.js';
import { adminView } from './views/admin.js';

let current = null;

const routes = [
  [/^#\/tasks$/, () => tasksView()],
  [/^#\/task\/([^/]+)$/, (id) => taskView(decodeURIComponent(id))],
  [/^#\/lineage\/([^/]+)$/, (id) => lineageView(decodeURIComponent(id))],
  [/^#\/stats$/, () => statsView()],
  [/^#\/admin$/, () => adminView()],
];

function render() {
  if (current && current.dispose) current.dispose();
  current = null;
  const signedIn = session.token && !session.expired;
  document.getElementById('nav').hidden = !signedIn;
  document.getElementById('logout').hidden = !signedIn;
  document.getElementById('nav-admin').hidden = !session.isAdmin;
  document.getElementById('whoami').textContent = signedIn ? session.claims?.sub || '' : '';
  if (!signedIn) {
    session.token = null;
    current = loginView(() => { location.hash = '#/tasks'; render(); });
    return;
  }
  const hash = location.hash || '#/tasks';
  for (const [pattern, view] of routes) {
    const match = hash.match(pattern);
    if (match) {
      current = view(...match.slice(1));
      document.querySelectorAll('#nav a').forEach((a) => {
        a.toggleAttribute('aria-current', hash.startsWith(a.getAttribute('href')));
      });
      return;
    }
  }
  mount(h('p', {}, 'No such page. ', h('a', { href: '#/tasks' }, 'Back to the tasks')));
}

document.getElementById('logout').addEventListener('click', () => {
  session.token = null;
  // leaving a screen's hash renders through hashchange; render here only when there is no hash to leave
  if (location.hash) location.hash = ''; else render();
});
window.addEventListener('hashchange', render);
window.addEventListener('reelay:logged-out', render);
render();
