// tally serve's live reload. Only `tally serve` sends this script and adds
// it to the pages it serves; a built site never holds it.
//
// It listens to the server's events (the served build's id and the last
// rebuild's error): a new build reloads the page, an error shows in an
// overlay at the top (the page underneath stays the last good build), and
// the overlay goes when the error is fixed. Same-origin script and
// connection only, as the pages' Content-Security-Policy allows.
(() => {
  'use strict';
  const script = document.currentScript;
  const served = script ? script.getAttribute('data-build') : '';
  const id = 'tally-serve-error';

  const hide = () => {
    const box = document.getElementById(id);
    if (box) box.remove();
  };

  const show = (message) => {
    let box = document.getElementById(id);
    if (!box) {
      box = document.createElement('div');
      box.id = id;
      box.setAttribute('role', 'alert');
      Object.assign(box.style, {
        position: 'fixed', top: '0', left: '0', right: '0', zIndex: '2147483647', maxHeight: '60vh',
        overflow: 'auto', margin: '0', padding: '1em 1.25em', background: '#fff5f5', color: '#5c0000',
        borderBottom: '3px solid #c00', font: '14px/1.45 ui-monospace,Menlo,Consolas,monospace',
        boxShadow: '0 2px 12px rgba(0,0,0,.25)',
      });
      const title = document.createElement('p');
      title.style.margin = '0 0 .5em';
      title.style.fontWeight = 'bold';
      // As the server words it (http.rs, overlay_title).
      title.textContent = served
        ? 'tally serve: the last rebuild failed; this page shows the last good build.'
        : 'tally serve: the build failed; the site shows once it builds.';
      const pre = document.createElement('pre');
      pre.style.margin = '0';
      pre.style.whiteSpace = 'pre-wrap';
      box.append(title, pre);
      document.body.append(box);
    }
    box.querySelector('pre').textContent = message;
  };

  const events = new EventSource('/_tally/events');
  events.onmessage = (event) => {
    const state = JSON.parse(event.data);
    if (state.build && state.build !== served) {
      // A new build (or a new server): show it, keeping the place.
      events.close();
      window.location.reload();
      return;
    }
    if (state.error) show(state.error);
    else hide();
  };
})();
