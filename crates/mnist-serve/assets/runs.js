// The runs screens: the sortable table of runs, one run's page (curves, test-set evaluation,
// mistakes, config) and the comparison of two runs' curves.

import { h, lineChart, barList, confusionHeatmap } from './charts.js';
import { runDetails, evaluation, testImage } from './api.js';

const COLOURS = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#0891b2'];

const percent = v => (v === null || v === undefined) ? '–' : `${Number(v).toFixed(2)} %`;
const seconds = v => (v === null || v === undefined) ? '–' : (v < 120 ? `${v.toFixed(1)} s` : `${(v / 60).toFixed(1)} min`);
const when = date => date.replace('T', ' ').replace(/:\d\dZ$/, ' UTC');
const runHref = name => `#/run/${encodeURIComponent(name)}`;
const shortLabel = name => name.length <= 3 ? name : name.split(/[ /]/)[0];

/** A dataset's usual spelling. */
export const datasetTitle = name => ({ mnist: 'MNIST', 'fashion-mnist': 'Fashion-MNIST' }[name] || name);

// ---------------------------------------------------------------- runs table

const COLUMNS = [
  ['name', 'Run'], ['config', 'Config'], ['architecture', 'Architecture'], ['dataset', 'Dataset'],
  ['test_accuracy', 'Test accuracy'], ['epochs', 'Epochs'], ['train_seconds', 'Training time'],
  ['backend', 'Backend'], ['date', 'Date'],
];
// Kept across visits to the table, as a user expects of a sort they chose.
const sorting = { key: 'date', descending: true };

function cell(run, key) {
  switch (key) {
    case 'name': return h('a', { href: runHref(run.name) }, run.name);
    case 'dataset': return datasetTitle(run.dataset);
    case 'test_accuracy': return percent(run.test_accuracy);
    case 'train_seconds': return seconds(run.train_seconds);
    case 'date': return run.date ? when(run.date) : '–';
    default: return run[key] ?? '–';
  }
}

/** Fills `table` (with a thead and a tbody) with `runs`; a click on a header sorts by it. */
export function renderRunsTable(table, runs) {
  const sorted = [...runs].sort((a, b) => {
    const [x, y] = [a[sorting.key], b[sorting.key]];
    const order = x == null ? 1 : y == null ? -1 : (typeof x === 'number' ? x - y : String(x).localeCompare(String(y), undefined, { numeric: true }));
    return (x == null || y == null) ? order : (sorting.descending ? -order : order);
  });
  table.tHead.replaceChildren(h('tr', {}, COLUMNS.map(([key, title]) => h('th', {
    'aria-sort': sorting.key === key ? (sorting.descending ? 'descending' : 'ascending') : null,
    'data-key': key,
    onclick: () => {
      sorting.descending = sorting.key === key ? !sorting.descending : ['test_accuracy', 'date', 'epochs'].includes(key);
      sorting.key = key;
      renderRunsTable(table, runs);
    },
  }, title, sorting.key === key ? (sorting.descending ? ' ▼' : ' ▲') : ''))));
  const body = table.tBodies[0];
  body.replaceChildren(...sorted.map(run => h('tr', { 'data-run': run.name },
    COLUMNS.map(([key]) => h('td', { class: key }, cell(run, key))))));
  if (sorted.length === 0) {
    body.append(h('tr', {}, h('td', { colspan: COLUMNS.length, class: 'muted' },
      'No runs yet. Train one with `cargo run --release --bin train`, then reload.')));
  }
}

// ---------------------------------------------------------------- one run

function metricSeries(metrics, column, name, colour, dash) {
  return { name, color: colour, dash, points: (metrics || []).map(row => [row.epoch, row[column]]).filter(p => typeof p[1] === 'number') };
}

/** Shows run `name` in `view`; its "Draw with this model" button calls `onDraw(name)`. */
export async function showRun(view, name, onDraw) {
  view.replaceChildren(h('p', { class: 'muted' }, `Loading ${name}…`));
  let details;
  try {
    details = await runDetails(name);
  } catch (error) {
    view.replaceChildren(h('p', { class: 'error' }, error.message), h('a', { href: '#/runs' }, '← all runs'));
    return;
  }
  const info = details.info;
  const m = details.metrics;
  const evaluationBox = h('div', { class: 'evaluation' }, h('p', { class: 'muted' }, 'Scoring the model on the test set…'));
  view.replaceChildren(
    h('div', { class: 'run-head' },
      h('a', { href: '#/runs' }, '← all runs'),
      h('h2', { 'data-testid': 'run-title' }, info.name),
      h('div', { class: 'chips' },
        [info.architecture, datasetTitle(info.dataset), `test ${percent(info.test_accuracy)}`,
          `${info.epochs ?? '–'} epochs`, seconds(info.train_seconds), info.backend, info.date && when(info.date)]
          .filter(Boolean).map(text => h('span', { class: 'chip' }, text))),
      h('div', { class: 'actions' },
        h('button', { onclick: () => onDraw(info.name) }, 'Draw with this model'),
        h('a', { class: 'button', href: `#/compare?a=${encodeURIComponent(info.name)}` }, 'Compare…'))),
    h('section', { class: 'charts', 'data-testid': 'curves' },
      lineChart({
        title: 'Loss', xLabel: 'epoch', yLabel: 'cross-entropy',
        series: [metricSeries(m, 'train_loss', 'train', COLOURS[0]), metricSeries(m, 'valid_loss', 'validation', COLOURS[1])],
      }),
      lineChart({
        title: 'Accuracy', xLabel: 'epoch', yLabel: '%',
        series: [metricSeries(m, 'train_acc', 'train', COLOURS[0]), metricSeries(m, 'valid_acc', 'validation', COLOURS[1])],
      })),
    evaluationBox,
    h('section', {}, h('h3', {}, 'Config'), h('pre', { class: 'config' }, details.config || 'no config.toml in this run')));
  try {
    renderEvaluation(evaluationBox, await evaluation(info.name));
  } catch (error) {
    evaluationBox.replaceChildren(h('p', { class: 'error' }, `Test-set evaluation unavailable: ${error.message}`));
  }
}

function renderEvaluation(box, e) {
  const classes = e.classes;
  const shown = 60;
  const mistakes = h('div', { class: 'mistakes', 'data-testid': 'mistakes' });
  const probe = h('div', { class: 'probe' }, h('p', { class: 'muted' }, 'Click a test image for the model\'s probabilities.'));
  const addMistakes = list => mistakes.append(...list.map(miss => h('button', {
    class: 'mistake',
    title: `test image ${miss.index}: ${classes[miss.label]}, read as ${classes[miss.predicted]}`,
    onclick: () => probe.replaceChildren(
      h('img', { class: 'big', src: testImage(e.dataset, miss.index), alt: `test image ${miss.index}` }),
      h('div', {},
        h('h4', {}, `Test image ${miss.index}: ${classes[miss.label]}, read as ${classes[miss.predicted]}`),
        barList(miss.probabilities.map((p, i) => ({
          label: classes[i], value: p, text: `${(100 * p).toFixed(1)} %`, highlight: i === miss.predicted,
        }))))),
  }, h('img', { src: testImage(e.dataset, miss.index), alt: '', loading: 'lazy' }),
    h('span', {}, `${shortLabel(classes[miss.label])}→${shortLabel(classes[miss.predicted])}`))));
  addMistakes(e.misclassified.slice(0, shown));
  const more = e.misclassified.length > shown ? h('button', {
    onclick: event => { addMistakes(e.misclassified.slice(shown)); event.currentTarget.remove(); },
  }, `Show all ${e.misclassified.length}`) : null;
  box.replaceChildren(
    h('h3', {}, `Test set: ${e.accuracy.toFixed(2)} % of ${e.count.toLocaleString('en')} right, loss ${e.loss.toFixed(4)}`),
    h('div', { class: 'two' },
      h('section', {}, h('h4', {}, 'Per-class accuracy'),
        barList(e.per_class_accuracy.map((a, i) => ({ label: classes[i], value: a / 100, text: `${a.toFixed(1)} %` })), { testid: 'per-class' })),
      h('section', {}, h('h4', {}, 'Confusion matrix'), confusionHeatmap(e.confusion, classes))),
    h('h4', {}, `Misclassified: ${e.misclassified.length} (true → predicted)`),
    h('div', { class: 'two' }, h('div', {}, mistakes, more), probe));
}

// ---------------------------------------------------------------- compare

/** Shows two of `runs` (params `a` and `b`, else the first two) in `view`, curves overlaid. */
export async function showCompare(view, params, runs) {
  const names = runs.map(r => r.name);
  const pick = (id, value) => h('select', { id, onchange: () => { location.hash = `#/compare?a=${encodeURIComponent(a.value)}&b=${encodeURIComponent(b.value)}`; } },
    names.map(n => h('option', { value: n, selected: n === value }, n)));
  const first = params.get('a') || names[0];
  const second = params.get('b') || names.find(n => n !== first) || first;
  const a = pick('compare-a', first);
  const b = pick('compare-b', second);
  const charts = h('section', { class: 'charts', 'data-testid': 'compare' });
  view.replaceChildren(h('h2', {}, 'Compare two runs'),
    h('div', { class: 'toolbar' }, h('label', {}, 'Run A ', a), h('label', {}, 'Run B ', b)), charts);
  if (names.length === 0) {
    charts.replaceChildren(h('p', { class: 'muted' }, 'No runs yet.'));
    return;
  }
  try {
    const [x, y] = await Promise.all([a.value, b.value].map(runDetails));
    const label = (d, what) => `${d.info.name} ${what}`;
    charts.replaceChildren(
      lineChart({
        title: 'Validation accuracy', xLabel: 'epoch', yLabel: '%',
        series: [metricSeries(x.metrics, 'valid_acc', label(x, 'A'), COLOURS[0]), metricSeries(y.metrics, 'valid_acc', label(y, 'B'), COLOURS[1])],
      }),
      lineChart({
        title: 'Loss', xLabel: 'epoch', yLabel: 'cross-entropy',
        series: [
          metricSeries(x.metrics, 'valid_loss', 'A validation', COLOURS[0]), metricSeries(x.metrics, 'train_loss', 'A train', COLOURS[0], '5 4'),
          metricSeries(y.metrics, 'valid_loss', 'B validation', COLOURS[1]), metricSeries(y.metrics, 'train_loss', 'B train', COLOURS[1], '5 4'),
        ],
      }));
  } catch (error) {
    charts.replaceChildren(h('p', { class: 'error' }, error.message));
  }
}
