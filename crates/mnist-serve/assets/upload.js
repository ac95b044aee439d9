// The upload: a photo chosen or dropped, shown with a box over each object read. Like the
// drawing pad, it reads through the caller's `read`, so a static page can use it unchanged.

import { h } from './charts.js';
import { showResult, showMessage } from './reading.js';

const HINT = 'Choose or drop a photo of a digit, a number or (for a Fashion-MNIST model) a product.';

let guarded = false;

/** A file dropped beside a drop zone would make the browser leave the page to show it. */
function guardAgainstStrayDrops() {
  if (guarded) return;
  guarded = true;
  for (const type of ['dragover', 'drop']) document.addEventListener(type, e => e.preventDefault());
}

/**
 * Makes `drop` (a focusable element around the file `input`) open the file chooser on a
 * click, Enter or Space, and take a dropped file; the photo shows in `preview`, the answer
 * in `result` (aria-busy while one is due).
 *
 * - `read(file, number)`: resolves to an answer for the image file (`number`: read several
 *   digits), or throws an Error whose message is shown; an answer's `image` ({width,
 *   height}) and each reading's `box` ({x, y, width, height}, in the upright image's pixels)
 *   are drawn over the photo when present;
 * - `unavailable()`: null while reading is possible, otherwise the message to show;
 * - `numberToggle`: a checkbox for several digits, optional.
 *
 * Returns `{ choose(file), predict() }`; call `predict()` when what `read` does changes.
 */
export function createUpload({ drop, input, numberToggle, preview, result, read, unavailable = () => null }) {
  let file = null;
  let url = null;
  // As on the drawing pad: only the latest request's answer is shown.
  let sequence = 0;

  function choose(chosen) {
    file = chosen;
    if (url) URL.revokeObjectURL(url);
    url = URL.createObjectURL(chosen);
    predict();
  }

  async function predict() {
    const mine = ++sequence;
    if (!file) {
      showMessage(result, HINT, 'upload-prediction');
      return;
    }
    const number = Boolean(numberToggle && numberToggle.checked);
    const frame = h('div', { class: 'frame' }, h('img', { src: url, alt: file.name }));
    preview.replaceChildren(frame, h('p', { class: 'muted' }, file.name));
    const reason = unavailable();
    if (reason) {
      showMessage(result, reason, 'upload-prediction');
      result.setAttribute('aria-busy', 'false');
      return;
    }
    result.setAttribute('aria-busy', 'true');
    try {
      const answer = await read(file, number);
      if (mine !== sequence) return;
      showResult(result, answer, 'upload-prediction');
      if (answer.image) frame.append(boxes(answer));
    } catch (error) {
      if (mine !== sequence) return;
      showMessage(result, error.message, 'upload-prediction', true);
    } finally {
      if (mine === sequence) result.setAttribute('aria-busy', 'false');
    }
  }

  guardAgainstStrayDrops();
  drop.addEventListener('click', event => { if (event.target !== input) input.click(); });
  drop.addEventListener('keydown', e => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); input.click(); } });
  input.addEventListener('change', () => { if (input.files[0]) choose(input.files[0]); });
  drop.addEventListener('dragover', e => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', e => {
    e.preventDefault();
    drop.classList.remove('over');
    if (e.dataTransfer.files[0]) choose(e.dataTransfer.files[0]);
  });
  if (numberToggle) numberToggle.addEventListener('change', () => predict());

  return { choose, predict };
}

/**
 * An SVG over the photo with each reading's box and label. The boxes are in the upright
 * image's pixels, which is how the browser shows a photo with an EXIF orientation too.
 */
function boxes(answer) {
  const svg = h('svg:svg', {
    class: 'boxes', viewBox: `0 0 ${answer.image.width} ${answer.image.height}`, preserveAspectRatio: 'none',
  });
  const stroke = Math.max(2, Math.round(Math.max(answer.image.width, answer.image.height) / 250));
  for (const d of answer.digits || [answer]) {
    const b = d.box;
    if (!b) continue;
    svg.append(h('svg:rect', { x: b.x, y: b.y, width: b.width, height: b.height, 'stroke-width': stroke }));
    svg.append(h('svg:text', { x: b.x, y: Math.max(b.y - stroke * 2, stroke * 8), 'font-size': stroke * 9 }, d.label));
  }
  return svg;
}
