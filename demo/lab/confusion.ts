// The digits confusion matrix as an HTML heat map (true digit down, predicted across), for one cell at a time, and
// the charts of one model's card.
import { backendLabel } from './recommend.js';
import { chartBox, empty, forecastChart, latencyChart, sizeChart, vadChart } from './charts.js';
import type { LabModelResult, LabRow } from './types.js';

type Scored = LabRow & { quality: Extract<LabRow['quality'], { kind: 'accuracy' }> };

function table(confusion: number[][]): HTMLTableElement {
  const max = Math.max(1, ...confusion.flat());
  const mistakes = Math.max(1, ...confusion.flatMap((row, i) => row.filter((_, j) => j !== i)));
  const t = document.createElement('table');
  t.className = 'confusion';
  const head = t.createTHead().insertRow();
  head.append(Object.assign(document.createElement('th'), { textContent: 'true↓ predicted→', title: 'rows: true digit; columns: predicted digit' }));
  confusion[0]?.forEach((_, j) => head.append(Object.assign(document.createElement('th'), { textContent: String(j) })));
  const body = t.createTBody();
  confusion.forEach((counts, i) => {
    const tr = body.insertRow();
    tr.append(Object.assign(document.createElement('th'), { textContent: String(i) }));
    counts.forEach((n, j) => {
      const td = tr.insertCell();
      td.textContent = n ? String(n) : '';
      // Off-diagonal cells are the mistakes: red, scaled by the largest mistake so they stay visible.
      const hue = i === j ? '37,99,235' : '220,38,38';
      const strength = i === j ? n / max : n / mistakes;
      td.style.background = n ? `rgba(${hue},${(0.12 + 0.88 * strength).toFixed(2)})` : '';
      if (strength > 0.55) td.className = 'hot';
      td.title = `true ${i}, predicted ${j}: ${n}`;
    });
  });
  return t;
}

/** A heat map of one cell's confusion, with a picker over every cell that has one (the recommended cell first). */
export function confusionChart(box: HTMLElement, result: LabModelResult): void {
  const scored = result.rows.filter((r): r is Scored => r.quality?.kind === 'accuracy' && Array.isArray(r.quality.confusion));
  const cells = [...new Map(scored.map((r) => [`${r.variant} on ${backendLabel(r.backend, r.threads)}`, r])).entries()];
  if (cells.length === 0) return empty(box, 'no accuracy measured (quality off, or the run stopped first)');
  const pick = result.recommendation.pick;
  const first = Math.max(0, cells.findIndex(([, r]) => pick && r.variant === pick.variant && r.backend === pick.backend && r.threads === pick.threads));
  const select = document.createElement('select');
  select.setAttribute('aria-label', 'cell');
  cells.forEach(([label], i) => select.add(new Option(label, String(i), i === first, i === first)));
  const holder = document.createElement('div');
  const show = () => {
    const [, row] = cells[Number(select.value)]!;
    holder.replaceChildren(table(row.quality.confusion));
  };
  select.addEventListener('change', show);
  box.append(select, holder);
  show();
}

/** Every chart that applies to one model's result; each one guarded, so one bad chart leaves the rest. */
export function renderCharts(card: HTMLElement, result: LabModelResult): void {
  const parent = card.querySelector<HTMLElement>('.charts')!;
  const charts: [string, string, (box: HTMLElement) => void][] = [
    ['latency', 'Latency per cell', (box) => latencyChart(box, result.rows)],
    ['size', 'Size against latency (batch 1)', (box) => sizeChart(box, result.rows)],
  ];
  const kinds = new Set(Object.values(result.detail ?? {}).map((d) => d.kind));
  const quality = result.rows.find((r) => r.quality)?.quality?.kind;
  if (kinds.has('mae') || quality === 'mae') charts.push(['forecast', 'Forecast against the actual series', (box) => forecastChart(box, result.detail)]);
  if (kinds.has('frames') || quality === 'frames') charts.push(['vad', 'Speech probability over the waveform', (box) => vadChart(box, result.detail)]);
  if (quality === 'accuracy') charts.push(['confusion', 'Confusion matrix', (box) => confusionChart(box, result)]);
  // Every box first, so each chart is sized to its own grid column, not to a row it has alone for a moment.
  const boxes = charts.map(([name, title]) => chartBox(parent, name, title));
  for (const [i, [, , render]] of charts.entries()) {
    const box = boxes[i]!;
    try {
      render(box);
    } catch (error) {
      empty(box, `chart unavailable: ${(error as Error).message}`);
    }
  }
}
