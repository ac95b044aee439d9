// The studio page's entry: the model picker, the status line and the routes (#/draw,
// #/upload, #/runs, #/run/NAME, #/compare), wiring the screens' modules to this page's
// elements and to the server. Everything it shows comes from the JSON API.

import { h } from './charts.js';
import { listRuns, predict } from './api.js';
import { createDrawing } from './draw.js';
import { createUpload } from './upload.js';
import { datasetTitle, renderRunsTable, showRun, showCompare } from './runs.js';

const byId = id => document.getElementById(id);
const picker = byId('model');

// Every run, as last listed, and the one whose model the draw and upload screens read with.
let runs = [];
let picked = null;

function setStatus(text, isError) {
  const footer = byId('status');
  footer.textContent = text || '';
  footer.classList.toggle('error', Boolean(isError));
}

// ---------------------------------------------------------------- model picker

async function loadRuns() {
  runs = await listRuns();
  const previous = picker.value || localStorage.getItem('studio.run');
  picker.replaceChildren(...runs.map(run => h('option', { value: run.name },
    `${run.name} — ${run.architecture}, ${datasetTitle(run.dataset)}${run.test_accuracy != null ? `, ${run.test_accuracy.toFixed(2)} %` : ''}`)));
  if (runs.length === 0) {
    picker.append(h('option', { value: '' }, 'no runs yet: train one first'));
    picker.disabled = true;
    return;
  }
  picker.disabled = false;
  const best = [...runs].sort((a, b) => (b.test_accuracy ?? -1) - (a.test_accuracy ?? -1))[0];
  picker.value = runs.some(r => r.name === previous) ? previous : best.name;
  if (picker.value !== picked) modelChanged();
}

function selectedRun() {
  return runs.find(r => r.name === picker.value) || null;
}

function modelChanged() {
  const run = selectedRun();
  picked = run ? run.name : null;
  if (run) localStorage.setItem('studio.run', run.name);
  for (const box of [byId('number-mode'), byId('upload-number')]) {
    box.disabled = !(run && run.reads_numbers);
    if (box.disabled) box.checked = false;
    box.closest('label').title = box.disabled ? 'this model reads one object per image' : '';
  }
  drawing.resize();
  drawing.predictSoon(0);
  upload.predict();
}

// ---------------------------------------------------------------- reading

async function read(blob, number) {
  const run = selectedRun();
  if (!run) throw new Error('no model: train a run first');
  return predict(run.name, blob, number);
}

const unavailable = () => selectedRun() ? null : 'No model yet: train a run first.';

const drawView = byId('view-draw');
const drawing = createDrawing({
  canvas: byId('draw'),
  result: byId('draw-result'),
  clearButton: byId('clear'),
  undoButton: byId('undo'),
  numberToggle: byId('number-mode'),
  // An answer means the server is back: an earlier "cannot reach" is stale.
  read: async (blob, number) => {
    const answer = await read(blob, number);
    setStatus('');
    return answer;
  },
  unavailable,
  active: () => !drawView.hidden,
});

const upload = createUpload({
  drop: byId('drop'),
  input: byId('file'),
  numberToggle: byId('upload-number'),
  preview: byId('photo'),
  result: byId('upload-result'),
  read,
  unavailable,
});

// ---------------------------------------------------------------- routing

const VIEWS = ['draw', 'upload', 'runs', 'run', 'compare'];

function useModel(name) {
  picker.value = name;
  modelChanged();
  location.hash = '#/draw';
}

async function route() {
  const hash = location.hash || '#/draw';
  const [path, query] = hash.slice(1).split('?');
  const params = new URLSearchParams(query || '');
  let view = path.split('/')[1] || 'draw';
  for (const link of document.querySelectorAll('nav a')) {
    link.classList.toggle('active', link.dataset.view === (view === 'run' ? 'runs' : view));
  }
  if (!VIEWS.includes(view)) view = 'draw';
  for (const section of document.querySelectorAll('.view')) section.hidden = section.id !== `view-${view}`;
  document.body.dataset.view = view;
  if (view === 'runs') {
    await loadRuns();
    renderRunsTable(byId('runs'), runs);
  } else if (view === 'run') {
    await showRun(byId('view-run'), decodeURIComponent(path.slice('/run/'.length)), useModel);
  } else if (view === 'compare') {
    await showCompare(byId('view-compare'), params, runs);
  }
}

async function start() {
  picker.addEventListener('change', modelChanged);
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
