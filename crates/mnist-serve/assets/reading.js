// How a reading is shown: the answer, its probability bars and what the model saw. Shared by
// the drawing pad and the upload, and by any page that imports it with a reading function of
// its own, so nothing here knows where an answer came from.

import { h, barList, paintPixels } from './charts.js';

/**
 * Shows an answer (the shape of POST /api/predict's) in `container`: the class, its
 * probability bars and the 28×28 image(s) the model saw; for a number, each digit as a card
 * (click one for its bars). `testid` marks the main answer for UI tests.
 */
export function showResult(container, answer, testid) {
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

/** Shows no answer, only `text` (a hint, or an error in red), under an empty headline. */
export function showMessage(container, text, testid, isError) {
  container.replaceChildren(
    h('div', { class: 'answer' },
      h('div', { class: 'prediction empty', 'data-testid': testid }, '–'),
      h('div', { class: isError ? 'confidence error' : 'confidence' }, text)));
}
