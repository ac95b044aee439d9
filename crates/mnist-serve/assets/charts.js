// The studio's drawings: line charts, probability bars, a heat map and 28×28 images, as
// plain SVG and canvas. Written by hand rather than vendored: four small charts do not
// justify a charting library in the binary, and this keeps the page free of any download.
// An ES module with no knowledge of the server, so a static page can import it as it is.

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Creates an element: `h('div', {class: 'x', style: {width: '5%'}}, 'text', child)`. Text is
 * never parsed as HTML. */
function h(tag, attrs, ...children) {
  const el = tag.startsWith('svg:')
    ? document.createElementNS(SVG_NS, tag.slice(4))
    : document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    // Through the CSSOM, not a style attribute: the static page's Content Security Policy
    // (style-src 'self') blocks inline style attributes, but not properties set by script.
    else if (key === 'style') Object.assign(el.style, value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Round tick positions covering [lo, hi], about `count` of them. */
function ticks(lo, hi, count) {
  if (!(hi > lo)) { hi = lo + 1; }
  const rough = (hi - lo) / count;
  const power = Math.pow(10, Math.floor(Math.log10(rough)));
  const step = [1, 2, 2.5, 5, 10].map(m => m * power).find(s => s >= rough) || rough;
  const out = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) {
    out.push(Number(t.toPrecision(12)));
  }
  return out;
}

function formatTick(value) {
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e5)) return value.toExponential(1);
  return String(Number(value.toPrecision(4)));
}

/**
 * A line chart of `series` ([{name, color, dash, points: [[x, y], …]}]) as an SVG element,
 * with axes, round ticks, axis labels and a legend.
 */
function lineChart({ title, xLabel, yLabel, series, width = 520, height = 310 }) {
  const margin = { left: 58, right: 16, top: 48, bottom: 44 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const points = series.flatMap(s => s.points).filter(p => Number.isFinite(p[0]) && Number.isFinite(p[1]));
  const svg = h('svg:svg', {
    viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img', 'aria-label': title,
  });
  svg.append(h('svg:text', { x: margin.left, y: 20, class: 'chart-title' }, title));
  if (points.length === 0) {
    svg.append(h('svg:text', { x: width / 2, y: height / 2, 'text-anchor': 'middle', class: 'muted' }, 'no data'));
    return svg;
  }
  let [xMin, xMax] = [Math.min(...points.map(p => p[0])), Math.max(...points.map(p => p[0]))];
  let [yMin, yMax] = [Math.min(...points.map(p => p[1])), Math.max(...points.map(p => p[1]))];
  if (xMax === xMin) { xMax = xMin + 1; }
  const pad = (yMax - yMin) * 0.06 || Math.abs(yMax) * 0.05 || 1;
  yMin -= pad; yMax += pad;
  const x = v => margin.left + (v - xMin) / (xMax - xMin) * plotW;
  const y = v => margin.top + (1 - (v - yMin) / (yMax - yMin)) * plotH;

  const grid = h('svg:g', { class: 'grid' });
  for (const t of ticks(yMin, yMax, 5)) {
    if (t < yMin || t > yMax) continue;
    grid.append(h('svg:line', { x1: margin.left, x2: margin.left + plotW, y1: y(t), y2: y(t) }));
    grid.append(h('svg:text', { x: margin.left - 6, y: y(t) + 4, 'text-anchor': 'end' }, formatTick(t)));
  }
  // Epochs are whole numbers: no tick at 2.5.
  const wholeX = points.every(p => Number.isInteger(p[0]));
  const xTicks = ticks(xMin, xMax, Math.min(8, Math.max(1, Math.round(xMax - xMin))))
    .filter(t => !wholeX || Number.isInteger(t));
  for (const t of xTicks) {
    if (t < xMin || t > xMax) continue;
    grid.append(h('svg:line', { x1: x(t), x2: x(t), y1: margin.top + plotH, y2: margin.top + plotH + 4 }));
    grid.append(h('svg:text', { x: x(t), y: margin.top + plotH + 17, 'text-anchor': 'middle' }, formatTick(t)));
  }
  svg.append(grid);
  svg.append(h('svg:rect', { x: margin.left, y: margin.top, width: plotW, height: plotH, class: 'frame' }));
  svg.append(h('svg:text', { x: margin.left + plotW / 2, y: height - 6, 'text-anchor': 'middle', class: 'axis-label' }, xLabel));
  svg.append(h('svg:text', {
    x: 14, y: margin.top + plotH / 2, 'text-anchor': 'middle', class: 'axis-label',
    transform: `rotate(-90 14 ${margin.top + plotH / 2})`,
  }, yLabel));

  // The legend runs left to right on its own line under the title, so long run names
  // never collide with it.
  const legend = h('svg:g', { class: 'legend' });
  let legendX = margin.left;
  for (const s of series) {
    legend.append(h('svg:line', {
      x1: legendX, x2: legendX + 16, y1: 33, y2: 33, stroke: s.color,
      'stroke-width': 2.5, 'stroke-dasharray': s.dash || null,
    }));
    legend.append(h('svg:text', { x: legendX + 20, y: 37 }, s.name));
    legendX += 20 + s.name.length * 6.4 + 14;
  }
  svg.append(legend);

  for (const s of series) {
    const valid = s.points.filter(p => Number.isFinite(p[0]) && Number.isFinite(p[1]));
    if (valid.length === 0) continue;
    const d = valid.map((p, i) => `${i ? 'L' : 'M'}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join('');
    svg.append(h('svg:path', {
      d, fill: 'none', stroke: s.color, 'stroke-width': 2, 'stroke-dasharray': s.dash || null,
      'stroke-linejoin': 'round', class: 'series',
    }, h('svg:title', {}, s.name)));
    if (series.every(other => other.points.length <= 25)) {
      for (const p of valid) {
        svg.append(h('svg:circle', { cx: x(p[0]), cy: y(p[1]), r: 2.6, fill: s.color },
          h('svg:title', {}, `${s.name}: ${formatTick(p[1])} at ${xLabel} ${formatTick(p[0])}`)));
      }
    }
  }
  return svg;
}

/**
 * Horizontal bars, one per item ({label, value in 0..1, text, highlight}), as a list whose
 * bars are CSS widths: readable, selectable text, no layout maths.
 */
function barList(items, { testid } = {}) {
  return h('ol', { class: 'bars', 'data-testid': testid },
    items.map(item => h('li', { class: item.highlight ? 'top' : null },
      h('span', { class: 'bar-label', title: item.label }, item.label),
      h('span', { class: 'bar-track' },
        h('span', { class: 'bar-fill', style: { width: `${Math.max(0, Math.min(1, item.value)) * 100}%` } })),
      h('span', { class: 'bar-text' }, item.text))));
}

/**
 * The confusion matrix as a table heat map: rows are true classes, columns predictions;
 * each cell's colour is its share of its row, right answers green, mistakes red.
 */
function confusionHeatmap(confusion, classes) {
  const head = h('tr', {}, h('th', { class: 'corner' }, 'true ↓ / predicted →'),
    classes.map((name, i) => h('th', { title: name }, shortClass(name, i))));
  const rows = confusion.map((row, truth) => {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    return h('tr', {}, h('th', { title: classes[truth] }, shortClass(classes[truth], truth)),
      row.map((count, predicted) => {
        const share = count / total;
        const right = truth === predicted;
        const alpha = right ? 0.15 + 0.75 * share : Math.min(0.9, Math.sqrt(share) * 2.2);
        const colour = right ? `rgba(34,139,84,${alpha.toFixed(3)})` : `rgba(206,52,52,${alpha.toFixed(3)})`;
        return h('td', {
          style: { background: count ? colour : 'transparent', color: alpha > 0.55 ? '#fff' : 'inherit' },
          title: `true ${classes[truth]}, predicted ${classes[predicted]}: ${count} (${(100 * share).toFixed(1)}% of ${classes[truth]})`,
        }, count || '');
      }));
  });
  return h('table', { class: 'heatmap', 'data-testid': 'confusion' }, h('thead', {}, head), h('tbody', {}, rows));
}

/** A class's name short enough for a table header: the digit, or the name's first word. */
function shortClass(name, index) {
  return name.length <= 7 ? name : `${index} ${name.split(/[ /]/)[0]}`;
}

/** Paints 784 values in 0..1 (light ink on black, as the model sees them) onto `canvas`. */
function paintPixels(canvas, values) {
  canvas.width = 28;
  canvas.height = 28;
  const context = canvas.getContext('2d');
  const image = context.createImageData(28, 28);
  values.forEach((v, i) => {
    const g = Math.round(Math.max(0, Math.min(1, v)) * 255);
    image.data.set([g, g, g, 255], i * 4);
  });
  context.putImageData(image, 0, 0);
  return canvas;
}

export { h, lineChart, barList, confusionHeatmap, paintPixels };
