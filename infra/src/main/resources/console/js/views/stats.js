import { api, session } from '../api.js';
import { h, mount, toast } from '../ui.js';
import { barChart } from '../charts.js';

/** Counts by status, model and provider, success rate, time to complete, tasks per day and spend against quota. */
export function statsView() {
  const holder = h('div', { id: 'stats' }, h('p', { class: 'muted' }, 'Loading…'));
  const everyone = h('input', { type: 'checkbox', id: 'stats-all' });
  const controls = session.isAdmin
    ? h('p', {}, everyone, ' ', h('label', { for: 'stats-all' }, 'All users (admin)')) : null;
  mount(h('h1', {}, 'Statistics'), controls, holder);
  everyone.addEventListener('change', load);

  async function load() {
    try {
      const [stats, quota] = await Promise.all([api.stats(everyone.checked ? { all: true } : {}), api.quota()]);
      const rate = stats.successRate == null ? '—' : `${(stats.successRate * 100).toFixed(1)} %`;
      const p = stats.secondsToComplete;
      const spent = stats.spend.reduce((sum, s) => sum + Number(s.videoSeconds), 0);
      holder.replaceChildren(
        h('div', { class: 'tiles' },
          tile('Tasks', stats.total, 'stat-total'), tile('Success rate', rate, 'stat-success'),
          tile('p50 to complete', p.p50 == null ? '—' : `${p.p50.toFixed(1)} s`, 'stat-p50'),
          tile('p95 to complete', p.p95 == null ? '—' : `${p.p95.toFixed(1)} s`, 'stat-p95')),
        h('div', { class: 'charts' },
          chartCard('By status', barChart(entries(stats.byStatus), { id: 'chart-status' })),
          chartCard('By model', barChart(entries(stats.byModel), { id: 'chart-model' })),
          chartCard('By provider', barChart(entries(stats.byProvider), { id: 'chart-provider' })),
          chartCard('Per day', barChart(stats.perDay.map((d) => [d.day, d.count]), { id: 'chart-days' })),
          chartCard('Spend against quota (video-seconds)', barChart([
            ['spent (in range)', spent], ['used this period', Number(quota.quota.captured)],
            ['held', Number(quota.quota.held)], ['quota', Number(quota.quota.limit)]], { id: 'chart-spend' }))),
        h('p', { class: 'muted' }, 'Times to complete are approximate (from a histogram).'));
    } catch (error) {
      toast(error.message);
      holder.replaceChildren(h('p', { role: 'alert' }, error.message));
    }
  }
  load();
  return {};
}

function entries(map) {
  return Object.entries(map || {});
}

function tile(name, value, id) {
  return h('div', { class: 'tile card', id }, h('div', { class: 'muted' }, name), h('div', { class: 'big' }, value));
}

function chartCard(title, chart) {
  return h('figure', { class: 'card' }, h('figcaption', {}, title), chart);
}
