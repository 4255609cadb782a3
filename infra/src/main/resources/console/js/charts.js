import { h, svg } from './ui.js';

/**
 * A horizontal bar chart in SVG, drawn here rather than with a charting library: the console needs only bars, and
 * this keeps it free of third-party code. The numbers are also in the markup as a table for screen readers.
 */
export function barChart(rows, { id } = {}) {
  if (!rows.length) return h('p', { class: 'muted', id }, 'Nothing yet.');
  const max = Math.max(1, ...rows.map(([, v]) => Number(v)));
  const rowHeight = 22;
  const labelWidth = 130;
  const width = 420;
  const chart = svg('svg', { viewBox: `0 0 ${width} ${rows.length * rowHeight + 4}`, role: 'img', class: 'chart', 'aria-hidden': 'true' },
    rows.map(([label, value], i) => {
      const w = Math.max(1, ((width - labelWidth - 60) * Number(value)) / max);
      const y = i * rowHeight + 2;
      return svg('g', {},
        svg('text', { x: labelWidth - 6, y: y + 15, 'text-anchor': 'end', class: 'chart-label' }, String(label).slice(0, 20)),
        svg('rect', { x: labelWidth, y: y + 3, width: w, height: rowHeight - 8, class: 'chart-bar' }),
        svg('text', { x: labelWidth + w + 6, y: y + 15, class: 'chart-value' }, String(value)));
    }));
  const table = h('table', { class: 'visually-hidden' },
    h('tbody', {}, rows.map(([label, value]) => h('tr', {}, h('th', { scope: 'row' }, label), h('td', {}, value)))));
  return h('div', { id, class: 'chart-holder' }, chart, table);
}
