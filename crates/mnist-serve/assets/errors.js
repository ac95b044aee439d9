// Loaded before anything else, by the studio and the static page alike (a classic script:
// the static page's CSP allows no inline one), so an error while the modules or the
// WebAssembly load is caught too. Errors are kept in window.pageErrors (the browser tests
// read them) and shown in the page's element marked data-shows-errors.
window.pageErrors = [];
(function () {
  const keep = text => {
    window.pageErrors.push(text);
    const line = document.querySelector('[data-shows-errors]');
    if (line) { line.textContent = text; line.hidden = false; line.classList.add('error'); }
  };
  window.addEventListener('error', e => keep(`${e.message} (${e.filename}:${e.lineno})`));
  // A module that fails to load (or one it imports) reports only on its own <script>, with
  // no bubbling: only a listener in the capture phase hears it.
  window.addEventListener('error', e => {
    if (e.target instanceof HTMLScriptElement) keep(`cannot load ${e.target.src} or a module it imports`);
  }, true);
  window.addEventListener('unhandledrejection', e => keep(`unhandled: ${e.reason && e.reason.message || e.reason}`));
  const consoleError = console.error.bind(console);
  console.error = (...args) => { keep(args.map(String).join(' ')); consoleError(...args); };
})();
