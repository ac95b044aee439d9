// The static page: loads the WebAssembly reader and the model that came with the page, then
// wires the studio's drawing and upload modules to it. Reading happens in this tab only.

import init, { Reader } from './mnist_web.js';
import { createDrawing } from './draw.js';
import { createUpload } from './upload.js';

const $ = id => document.getElementById(id);
const state = { reader: null, description: null, drawing: null, upload: null };

/** Shows `text` above the page (an error in red); an empty text hides the line. */
function setStatus(text, isError = false) {
  const line = $('model-status');
  line.textContent = text;
  line.hidden = !text;
  line.classList.toggle('error', isError);
}

/** Makes `reader` the page's model; the old one stays when the new file is refused. */
function useModel(name, bytes) {
  const reader = new Reader(name, bytes);
  state.reader?.free();
  state.reader = reader;
  state.description = JSON.parse(reader.describe());
  const d = state.description;
  $('model-name').textContent = `${d.model} · ${d.architecture} · ${d.title}`;
  for (const id of ['number-mode', 'upload-number']) {
    const toggle = $(id);
    toggle.disabled = !d.numbers;
    if (!d.numbers) toggle.checked = false;
  }
}

/** Reads the image `blob` with the page's model, as `infer` reads a file. */
async function read(blob, number) {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  return JSON.parse(state.reader.read(bytes, number));
}

// For the browser console (and the page's test): read any Blob or File as the page does.
window.digitReader = { describe: () => state.description, read };

const unavailable = () => (state.reader ? null : 'The model is still loading.');

async function chooseModel(file) {
  try {
    useModel(file.name, new Uint8Array(await file.arrayBuffer()));
    setStatus('');
    state.drawing.predictSoon(0);
    state.upload.predict();
  } catch (error) {
    // The reader's messages name the file already (as `infer`'s do); a trap may not.
    const why = error.message.replace(/\.$/, '');
    const text = why.startsWith(file.name) ? why : `${file.name}: ${why}`;
    const kept = state.description ? ` The page keeps ${state.description.model}.` : '';
    setStatus(`${text}.${kept}`, true);
  }
}

function wireModelPicker() {
  const drop = $('model-drop');
  const input = $('model-file');
  drop.addEventListener('click', event => { if (event.target !== input) input.click(); });
  drop.addEventListener('keydown', e => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); input.click(); } });
  input.addEventListener('change', () => { if (input.files[0]) chooseModel(input.files[0]); input.value = ''; });
  drop.addEventListener('dragover', e => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', e => {
    e.preventDefault();
    drop.classList.remove('over');
    if (e.dataTransfer.files[0]) chooseModel(e.dataTransfer.files[0]);
  });
}

async function start() {
  state.drawing = createDrawing({
    canvas: $('draw'), result: $('draw-result'), clearButton: $('clear'), undoButton: $('undo'),
    numberToggle: $('number-mode'), read, unavailable,
  });
  state.upload = createUpload({
    drop: $('drop'), input: $('file'), numberToggle: $('upload-number'), preview: $('photo'),
    result: $('upload-result'), read, unavailable,
  });
  wireModelPicker();
  await init();
  // build-web.sh names the model that came with the page in model/manifest.json.
  const manifest = await (await fetch('model/manifest.json')).json();
  const response = await fetch(`model/${manifest.file}`);
  if (!response.ok) throw new Error(`model/${manifest.file}: HTTP ${response.status}`);
  useModel(manifest.file, new Uint8Array(await response.arrayBuffer()));
  // Milliseconds from navigation to a reader ready for the first drawing.
  window.readerReadyMs = Math.round(performance.now());
  document.body.dataset.ready = 'true';
  state.drawing.predictSoon(0);
  state.upload.predict();
}

start().catch(error => setStatus(`The reader could not start: ${error.message}`, true));
