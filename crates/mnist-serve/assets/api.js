// The studio's server, and only here: every URL of the JSON API, so the pages that show its
// answers (and the modules a static page shares) hold none.

/** Calls the API; a non-2xx answer throws its `error` sentence, with `status` set. */
export async function api(path, options) {
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

// A run's name is a path under --runs ("fashion/cnn"): each part is escaped, the slashes kept.
const runPath = name => `/api/runs/${name.split('/').map(encodeURIComponent).join('/')}`;

/** Every run, as GET /api/runs lists them. */
export const listRuns = () => api('/api/runs');

/** One run's info, metrics and config. */
export const runDetails = name => api(runPath(name));

const evaluations = new Map();

/**
 * A run's test-set evaluation. Scoring takes seconds, so the promise is kept: revisiting a
 * run, or opening it twice at once, scores it once; a failure is forgotten, to be retried.
 */
export function evaluation(name) {
  if (!evaluations.has(name)) {
    evaluations.set(name, api(`${runPath(name)}/evaluation`).catch(error => {
      evaluations.delete(name);
      throw error;
    }));
  }
  return evaluations.get(name);
}

/** The URL of test image `index` of `dataset`, as a PNG. */
export const testImage = (dataset, index) => `/api/datasets/${dataset}/test/${index}`;

/** Reads the image `blob` with run `run`'s model; `number`: several digits. */
export function predict(run, blob, number) {
  const query = new URLSearchParams({ run });
  if (number) query.set('number', '1');
  return api(`/api/predict?${query}`, {
    method: 'POST', body: blob, headers: { 'content-type': blob.type || 'application/octet-stream' },
  });
}
