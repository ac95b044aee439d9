// The studio page: routes (#/draw, #/upload, #/runs, #/run/NAME, #/compare), the drawing
// canvas, uploads, and the runs pages. Everything it shows comes from the JSON API.
(() => {
'use strict';

const { h, lineChart, barList, confusionHeatmap, paintPixels } = window.Charts;

const COLOURS = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#0891b2'];
const state = { runs: [], run: null, evaluations: new Map() };

// ---------------------------------------------------------------- API

/** Calls the API; a non-2xx answer throws its `error` sentence. */
async function api(path, options) {
  const response = await fetch(path, options);
  const type = response.headers.get('content-type') || '';
  const body = type.startsWith('application/json') ? await response.json() : null;
  if (!response.ok) {
    const error = new Error((body && body.error) || `${response.status} ${response.statusText}`);
    error.status = response.status;
    throw error;
  }
  return body;
}

function setStatus(text, isError) {
  const footer = document.getElementById('status');
  footer.textContent = text || '';
  footer.classList.toggle('error', Boolean(isError));
}

const percent = v => (v === null || v === undefined) ? '–' : `${Number(v).toFixed(2)} %`;
const seconds = v => (v === null || v === undefined) ? '–' : (v < 120 ? `${v.toFixed(1)} s` : `${(v / 60).toFixed(1)} min`);
const datasetTitle = name => ({ mnist: 'MNIST', 'fashion-mnist': 'Fashion-MNIST' }[name] || name);
const when = date => date.replace('T', ' ').replace(/:\d\dZ$/, ' UTC');
const runHref = name => `#/run/${encodeURIComponent(name)}`;

// ---------------------------------------------------------------- model picker

async function loadRuns() {
  state.runs = await api('/api/runs');
  const picker = document.getElementById('model');
  const previous = picker.value || localStorage.getItem('studio.run');
  picker.replaceChildren(...state.runs.map(run => h('option', { value: run.name },
    `${run.name} — ${run.architecture}, ${datasetTitle(run.dataset)}${run.test_accuracy != null ? `, ${run.test_accuracy.toFixed(2)} %` : ''}`)));
  if (state.runs.length === 0) {
    picker.append(h('option', { value: '' }, 'no runs yet: train one first'));
    picker.disabled = true;
    return;
  }
  picker.disabled = false;
  const best = [...state.runs].sort((a, b) => (b.test_accuracy ?? -1) - (a.test_accuracy ?? -1))[0];
  picker.value = state.runs.some(r => r.name === previous) ? previous : best.name;
  if (picker.value !== state.picked) modelChanged();
}

function selectedRun() {
  const name = document.getElementById('model').value;
  return state.runs.find(r => r.name === name) || null;
}

function modelChanged() {
  const run = selectedRun();
  state.picked = run ? run.name : null;
  if (run) localStorage.setItem('studio.run', run.name);
  for (const id of ['number-mode', 'upload-number']) {
    const box = document.getElementById(id);
    box.disabled = !(run && run.reads_numbers);
    if (box.disabled) box.checked = false;
    box.closest('label').title = box.disabled ? 'this model reads one object per image' : '';
  }
  drawing.resize();
  drawing.predictSoon(0);
  upload.predict();
}

// ---------------------------------------------------------------- result view

/**
 * Shows an answer of POST /api/predict in `container`: the class, its probability bars and
 * the 28×28 image(s) the model saw; for a number, each digit as a card (click one for its
 * bars). `testid` marks the main answer for UI tests.
 */
function showResult(container, answer, testid) {
  const classes = answer.classes;
  const digits = answer.digits || [answer];
  let selected = 0;
  const detail = h('div', { class: 'detail' });
  const renderDetail = () => {
    const d = digits[selected];
    const order = d.probabilities.map((p, i) => [p, i]);
    detail.replaceChildren(
      h('h3', {}, answer.digits ? `Digit ${selected + 1}: probabilities` : 'Probabilities'),
      barList(order.map(([p, i]) => ({
        label: classes[i], value: p, text: `${(100 * p).toFixed(1)} %`, highlight: i === d.class,
      })), { testid: testid && `${testid}-bars` }),
      h('h3', {}, 'What the model saw'),
      h('div', { class: 'seen' },
        paintPixels(h('canvas', { class: 'pixels', title: '28×28, as the model sees it', 'data-testid': testid && `${testid}-seen` }),
          answer.inputs[selected])));
  };
  const headline = answer.digits ? answer.number : answer.label;
  const confidence = answer.digits
    ? `${answer.digits.length} digit${answer.digits.length === 1 ? '' : 's'}`
    : `${(100 * answer.confidence).toFixed(1)} % sure`;
  const cards = answer.digits ? h('div', { class: 'cards' }, answer.digits.map((d, i) => h('button', {
    class: i === 0 ? 'card active' : 'card',
    onclick: event => {
      selected = i;
      for (const c of container.querySelectorAll('.card')) c.classList.remove('active');
      event.currentTarget.classList.add('active');
      renderDetail();
    },
  }, paintPixels(h('canvas', { class: 'pixels small' }), answer.inputs[i]),
    h('span', {}, `${d.label} · ${(100 * d.confidence).toFixed(0)} %`)))) : null;
  renderDetail();
  const parts = [
    h('div', { class: 'answer' },
      h('div', { class: 'prediction', 'data-testid': testid, 'aria-live': 'polite' }, headline),
      h('div', { class: 'confidence' }, confidence)),
    answer.warning ? h('p', { class: 'warning' }, `⚠ ${answer.warning}`) : null,
    cards,
    detail,
  ];
  // replaceChildren would print a null as the text "null".
  container.replaceChildren(...parts.filter(Boolean));
}

function showMessage(container, text, testid, isError) {
  container.replaceChildren(
    h('div', { class: 'answer' },
      h('div', { class: 'prediction empty', 'data-testid': testid }, '–'),
      h('div', { class: isError ? 'confidence error' : 'confidence' }, text)));
}

async function predictBlob(blob, number) {
  const run = selectedRun();
  if (!run) throw new Error('no model: train a run first');
  const query = new URLSearchParams({ run: run.name });
  if (number) query.set('number', '1');
  return api(`/api/predict?${query}`, { method: 'POST', body: blob, headers: { 'content-type': blob.type || 'application/octet-stream' } });
}

// ---------------------------------------------------------------- draw

const drawing = {
  canvas: null, context: null, strokes: [], current: null, timer: null, sequence: 0, shown: 0,
  PEN: 18,

  init() {
    this.canvas = document.getElementById('draw');
    this.context = this.canvas.getContext('2d');
    this.result = document.getElementById('draw-result');
    const c = this.canvas;
    c.addEventListener('pointerdown', e => this.down(e));
    c.addEventListener('pointermove', e => this.move(e));
    c.addEventListener('pointerup', e => this.up(e));
    c.addEventListener('pointercancel', e => this.up(e));
    document.getElementById('clear').addEventListener('click', () => this.clear());
    document.getElementById('undo').addEventListener('click', () => this.undo());
    document.getElementById('number-mode').addEventListener('change', () => { this.resize(); this.predictSoon(0); });
    document.addEventListener('keydown', e => {
      if ((e.ctrlKey || e.metaKey) && e.key === 'z' && location.hash.startsWith('#/draw')) { e.preventDefault(); this.undo(); }
    });
    this.resize();
  },

  /** Two digit-widths wide in number mode, square otherwise; the strokes are kept. */
  resize() {
    const wide = document.getElementById('number-mode').checked;
    const width = wide ? 640 : 280;
    if (this.canvas.width !== width) {
      this.canvas.width = width;
      this.canvas.classList.toggle('wide', wide);
    }
    this.redraw();
  },

  point(e) {
    const box = this.canvas.getBoundingClientRect();
    return [(e.clientX - box.left) * this.canvas.width / box.width, (e.clientY - box.top) * this.canvas.height / box.height];
  },

  down(e) {
    if (e.pointerType === 'mouse' && e.button !== 0) return;
    e.preventDefault();
    this.canvas.setPointerCapture(e.pointerId);
    this.current = [this.point(e)];
    this.strokes.push(this.current);
    this.redraw();
    this.predictSoon();
  },

  move(e) {
    if (!this.current) return;
    const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [e];
    for (const event of events.length ? events : [e]) this.current.push(this.point(event));
    this.redraw();
    this.predictSoon();
  },

  up() {
    if (!this.current) return;
    this.current = null;
    this.predictSoon(0);
  },

  clear() {
    this.strokes = [];
    this.current = null;
    this.redraw();
    this.predictSoon(0);
  },

  undo() {
    this.strokes.pop();
    this.redraw();
    this.predictSoon(0);
  },

  redraw() {
    const g = this.context;
    g.fillStyle = '#fff';
    g.fillRect(0, 0, this.canvas.width, this.canvas.height);
    g.strokeStyle = '#111';
    g.fillStyle = '#111';
    g.lineWidth = this.PEN;
    g.lineCap = 'round';
    g.lineJoin = 'round';
    for (const stroke of this.strokes) {
      if (stroke.length === 1) {
        g.beginPath();
        g.arc(stroke[0][0], stroke[0][1], this.PEN / 2, 0, 2 * Math.PI);
        g.fill();
        continue;
      }
      g.beginPath();
      g.moveTo(...stroke[0]);
      for (const p of stroke.slice(1)) g.lineTo(...p);
      g.stroke();
    }
  },

  setBusy(busy) {
    this.result.setAttribute('aria-busy', busy ? 'true' : 'false');
  },

  /** Predicts `delay` ms from now (debounced while the pen moves); 0 for at once. */
  predictSoon(delay = 150) {
    clearTimeout(this.timer);
    this.setBusy(true);
    this.timer = setTimeout(() => this.predict(), delay);
  },

  async predict() {
    this.timer = null;
    const sequence = ++this.sequence;
    if (this.strokes.length === 0 || !selectedRun()) {
      this.shown = sequence;
      showMessage(this.result, selectedRun() ? 'Draw a digit on the left.' : 'No model yet: train a run first.', 'prediction');
      this.setBusy(false);
      return;
    }
    const number = document.getElementById('number-mode').checked;
    try {
      const blob = await new Promise(resolve => this.canvas.toBlob(resolve, 'image/png'));
      const answer = await predictBlob(blob, number);
      if (sequence < this.shown) return;
      this.shown = sequence;
      showResult(this.result, answer, 'prediction');
      setStatus('');
    } catch (error) {
      if (sequence < this.shown) return;
      this.shown = sequence;
      showMessage(this.result, error.message, 'prediction', true);
    } finally {
      if (sequence === this.sequence && this.timer === null) this.setBusy(false);
    }
  },
};

// ---------------------------------------------------------------- upload

const upload = {
  file: null, url: null,

  init() {
    const drop = document.getElementById('drop');
    const input = document.getElementById('file');
    drop.addEventListener('click', event => { if (event.target !== input) input.click(); });
    drop.addEventListener('keydown', e => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); input.click(); } });
    input.addEventListener('change', () => { if (input.files[0]) this.choose(input.files[0]); });
    drop.addEventListener('dragover', e => { e.preventDefault(); drop.classList.add('over'); });
    drop.addEventListener('dragleave', () => drop.classList.remove('over'));
    drop.addEventListener('drop', e => {
      e.preventDefault();
      drop.classList.remove('over');
      if (e.dataTransfer.files[0]) this.choose(e.dataTransfer.files[0]);
    });
    document.getElementById('upload-number').addEventListener('change', () => this.predict());
  },

  choose(file) {
    this.file = file;
    if (this.url) URL.revokeObjectURL(this.url);
    this.url = URL.createObjectURL(file);
    this.predict();
  },

  async predict() {
    const result = document.getElementById('upload-result');
    const photo = document.getElementById('photo');
    if (!this.file) {
      showMessage(result, 'Choose or drop a photo of a digit, a number or (for a Fashion-MNIST model) a product.', 'upload-prediction');
      return;
    }
    const number = document.getElementById('upload-number').checked;
    result.setAttribute('aria-busy', 'true');
    const image = h('img', { src: this.url, alt: this.file.name });
    const frame = h('div', { class: 'frame' }, image);
    photo.replaceChildren(frame, h('p', { class: 'muted' }, this.file.name));
    try {
      const answer = await predictBlob(this.file, number);
      showResult(result, answer, 'upload-prediction');
      // The boxes are in the upright image's pixels, which is how the browser shows a
      // photo with an EXIF orientation too.
      const boxes = h('svg:svg', {
        class: 'boxes', viewBox: `0 0 ${answer.image.width} ${answer.image.height}`, preserveAspectRatio: 'none',
      });
      const stroke = Math.max(2, Math.round(Math.max(answer.image.width, answer.image.height) / 250));
      for (const d of answer.digits || [answer]) {
        const b = d.box;
        boxes.append(h('svg:rect', { x: b.x, y: b.y, width: b.width, height: b.height, 'stroke-width': stroke }));
        boxes.append(h('svg:text', { x: b.x, y: Math.max(b.y - stroke * 2, stroke * 8), 'font-size': stroke * 9 }, d.label));
      }
      frame.append(boxes);
    } catch (error) {
      showMessage(result, error.message, 'upload-prediction', true);
    } finally {
      result.setAttribute('aria-busy', 'false');
    }
  },
};

// ---------------------------------------------------------------- runs table

const COLUMNS = [
  ['name', 'Run'], ['config', 'Config'], ['architecture', 'Architecture'], ['dataset', 'Dataset'],
  ['test_accuracy', 'Test accuracy'], ['epochs', 'Epochs'], ['train_seconds', 'Training time'],
  ['backend', 'Backend'], ['date', 'Date'],
];
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

function renderRunsTable() {
  const table = document.getElementById('runs');
  const runs = [...state.runs].sort((a, b) => {
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
      renderRunsTable();
    },
  }, title, sorting.key === key ? (sorting.descending ? ' ▼' : ' ▲') : ''))));
  const body = table.tBodies[0];
  body.replaceChildren(...runs.map(run => h('tr', { 'data-run': run.name },
    COLUMNS.map(([key]) => h('td', { class: key }, cell(run, key))))));
  if (runs.length === 0) {
    body.append(h('tr', {}, h('td', { colspan: COLUMNS.length, class: 'muted' },
      'No runs yet. Train one with `cargo run --release --bin train`, then reload.')));
  }
}

// ---------------------------------------------------------------- one run

function metricSeries(metrics, column, name, colour, dash) {
  return { name, color: colour, dash, points: (metrics || []).map(row => [row.epoch, row[column]]).filter(p => typeof p[1] === 'number') };
}

async function showRun(name) {
  const view = document.getElementById('view-run');
  view.replaceChildren(h('p', { class: 'muted' }, `Loading ${name}…`));
  let details;
  try {
    details = await api(`/api/runs/${name.split('/').map(encodeURIComponent).join('/')}`);
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
        h('button', { onclick: () => { document.getElementById('model').value = info.name; modelChanged(); location.hash = '#/draw'; } }, 'Draw with this model'),
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
    const evaluation = await evaluationOf(info.name);
    renderEvaluation(evaluationBox, evaluation);
  } catch (error) {
    evaluationBox.replaceChildren(h('p', { class: 'error' }, `Test-set evaluation unavailable: ${error.message}`));
  }
}

async function evaluationOf(name) {
  if (!state.evaluations.has(name)) {
    const path = `/api/runs/${name.split('/').map(encodeURIComponent).join('/')}/evaluation`;
    state.evaluations.set(name, api(path).catch(error => { state.evaluations.delete(name); throw error; }));
  }
  return state.evaluations.get(name);
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
      h('img', { class: 'big', src: `/api/datasets/${e.dataset}/test/${miss.index}`, alt: `test image ${miss.index}` }),
      h('div', {},
        h('h4', {}, `Test image ${miss.index}: ${classes[miss.label]}, read as ${classes[miss.predicted]}`),
        barList(miss.probabilities.map((p, i) => ({
          label: classes[i], value: p, text: `${(100 * p).toFixed(1)} %`, highlight: i === miss.predicted,
        }))))),
  }, h('img', { src: `/api/datasets/${e.dataset}/test/${miss.index}`, alt: '', loading: 'lazy' }),
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

const shortLabel = name => name.length <= 3 ? name : name.split(/[ /]/)[0];

// ---------------------------------------------------------------- compare

async function showCompare(params) {
  const view = document.getElementById('view-compare');
  const names = state.runs.map(r => r.name);
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
    const [x, y] = await Promise.all([a.value, b.value].map(n => api(`/api/runs/${n.split('/').map(encodeURIComponent).join('/')}`)));
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

// ---------------------------------------------------------------- routing

async function route() {
  const hash = location.hash || '#/draw';
  const [path, query] = hash.slice(1).split('?');
  const params = new URLSearchParams(query || '');
  let view = path.split('/')[1] || 'draw';
  for (const link of document.querySelectorAll('nav a')) {
    link.classList.toggle('active', link.dataset.view === (view === 'run' ? 'runs' : view));
  }
  if (!['draw', 'upload', 'runs', 'run', 'compare'].includes(view)) view = 'draw';
  for (const section of document.querySelectorAll('.view')) section.hidden = section.id !== `view-${view}`;
  document.body.dataset.view = view;
  if (view === 'runs') {
    await loadRuns();
    renderRunsTable();
  } else if (view === 'run') {
    await showRun(decodeURIComponent(path.slice('/run/'.length)));
  } else if (view === 'compare') {
    await showCompare(params);
  }
}

async function start() {
  drawing.init();
  upload.init();
  document.getElementById('model').addEventListener('change', modelChanged);
  window.addEventListener('hashchange', () => route().catch(error => setStatus(error.message, true)));
  try {
    await loadRuns();
    await route();
    document.body.dataset.ready = 'true';
  } catch (error) {
    setStatus(`Cannot reach the server: ${error.message}`, true);
  }
}

start();
})();
