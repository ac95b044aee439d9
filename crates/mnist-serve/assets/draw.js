// The drawing pad: strokes from a mouse, a finger or a pen, read as they are drawn. Who
// reads them is the caller's `read`, so the studio (the server) and a static page (the
// model in WebAssembly) share this file unchanged.

import { showResult, showMessage } from './reading.js';

const PEN = 18;
const SQUARE = 280;
// Two digit-widths and some room between them.
const WIDE = 640;

/**
 * Makes `canvas` a drawing pad whose answers show in `result` (aria-busy while one is due).
 *
 * - `read(blob, number)`: resolves to an answer for a PNG of the canvas (`number`: read
 *   several digits), or throws an Error whose message is shown;
 * - `unavailable()`: null while reading is possible, otherwise the message to show;
 * - `active()`: whether the pad is on screen, so Ctrl+Z elsewhere is left alone;
 * - `clearButton`, `undoButton`, `numberToggle` (a checkbox: wide canvas, several digits):
 *   optional.
 *
 * Returns `{ predictSoon(delay), predict(), clear(), undo(), resize() }`; call `resize()`
 * after changing `numberToggle.checked` from a script, which fires no change event.
 */
export function createDrawing({
  canvas, result, clearButton, undoButton, numberToggle, read,
  unavailable = () => null, active = () => true,
}) {
  const context = canvas.getContext('2d');
  const strokes = [];
  let current = null;
  let timer = null;
  // Every prediction gets the next number; an answer older than the one shown is dropped,
  // so a slow reading never replaces a newer drawing's.
  let sequence = 0;
  let shown = 0;

  const numberMode = () => Boolean(numberToggle && numberToggle.checked);

  function redraw() {
    const g = context;
    g.fillStyle = '#fff';
    g.fillRect(0, 0, canvas.width, canvas.height);
    g.strokeStyle = '#111';
    g.fillStyle = '#111';
    g.lineWidth = PEN;
    g.lineCap = 'round';
    g.lineJoin = 'round';
    for (const stroke of strokes) {
      if (stroke.length === 1) {
        g.beginPath();
        g.arc(stroke[0][0], stroke[0][1], PEN / 2, 0, 2 * Math.PI);
        g.fill();
        continue;
      }
      g.beginPath();
      g.moveTo(...stroke[0]);
      for (const p of stroke.slice(1)) g.lineTo(...p);
      g.stroke();
    }
  }

  /** Two digit-widths wide in number mode, square otherwise; the strokes are kept. */
  function resize() {
    const wide = numberMode();
    const width = wide ? WIDE : SQUARE;
    if (canvas.width !== width) {
      canvas.width = width;
      canvas.classList.toggle('wide', wide);
    }
    redraw();
  }

  function point(e) {
    const box = canvas.getBoundingClientRect();
    return [(e.clientX - box.left) * canvas.width / box.width, (e.clientY - box.top) * canvas.height / box.height];
  }

  function down(e) {
    if (e.pointerType === 'mouse' && e.button !== 0) return;
    e.preventDefault();
    canvas.setPointerCapture(e.pointerId);
    current = [point(e)];
    strokes.push(current);
    redraw();
    predictSoon();
  }

  function move(e) {
    if (!current) return;
    const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [e];
    for (const event of events.length ? events : [e]) current.push(point(event));
    redraw();
    predictSoon();
  }

  function up() {
    if (!current) return;
    current = null;
    predictSoon(0);
  }

  function clear() {
    strokes.length = 0;
    current = null;
    redraw();
    predictSoon(0);
  }

  function undo() {
    strokes.pop();
    redraw();
    predictSoon(0);
  }

  function setBusy(busy) {
    result.setAttribute('aria-busy', busy ? 'true' : 'false');
  }

  /** Predicts `delay` ms from now (debounced while the pen moves); 0 for at once. */
  function predictSoon(delay = 150) {
    clearTimeout(timer);
    setBusy(true);
    timer = setTimeout(predict, delay);
  }

  async function predict() {
    clearTimeout(timer);
    timer = null;
    const mine = ++sequence;
    const reason = unavailable();
    if (strokes.length === 0 || reason) {
      shown = mine;
      showMessage(result, reason || 'Draw a digit on the left.', 'prediction');
      setBusy(false);
      return;
    }
    const number = numberMode();
    try {
      const blob = await new Promise(resolve => canvas.toBlob(resolve, 'image/png'));
      const answer = await read(blob, number);
      if (mine < shown) return;
      shown = mine;
      showResult(result, answer, 'prediction');
    } catch (error) {
      if (mine < shown) return;
      shown = mine;
      showMessage(result, error.message, 'prediction', true);
    } finally {
      if (mine === sequence && timer === null) setBusy(false);
    }
  }

  canvas.addEventListener('pointerdown', down);
  canvas.addEventListener('pointermove', move);
  canvas.addEventListener('pointerup', up);
  canvas.addEventListener('pointercancel', up);
  if (clearButton) clearButton.addEventListener('click', clear);
  if (undoButton) undoButton.addEventListener('click', undo);
  if (numberToggle) numberToggle.addEventListener('change', () => { resize(); predictSoon(0); });
  document.addEventListener('keydown', e => {
    if ((e.ctrlKey || e.metaKey) && e.key === 'z' && active()) { e.preventDefault(); undo(); }
  });
  resize();

  return { predictSoon, predict, clear, undo, resize };
}
