/*
 * tally theme: light or dark pages. Loaded in the page's <head>, before the
 * stylesheet paints anything, so a dark page never flashes light.
 *
 * Who decides, first to last:
 *   1. `theme=dark` or `theme=light` in the URL hash (`#org=acme&theme=dark`),
 *      so a link can carry it;
 *   2. the reader's toggle, remembered in localStorage (`tally-theme`);
 *   3. the site's `theme_mode` (`<html data-theme-mode="...">`): `light`,
 *      `dark`, or `system`, which follows the reader's system setting.
 * The page is dark when `<html data-theme="dark">`, or when it has no
 * `data-theme` and the system prefers dark (the stylesheet says so, which
 * also covers pages read without JavaScript). Print is always light.
 *
 * `tallyTheme.current()` is `light` or `dark`; a change of theme fires
 * `tally:theme` on the document, so live charts redraw in its colours.
 */
(function (root) {
  'use strict';
  var html = document.documentElement;
  var KEY = 'tally-theme';
  var systemDark = root.matchMedia ? root.matchMedia('(prefers-color-scheme: dark)') : null;

  function fromHash() {
    var m = /(?:^#|&)theme=(light|dark)(?:&|$)/.exec(root.location.hash);
    return m ? m[1] : null;
  }
  function stored() {
    try {
      var v = root.localStorage.getItem(KEY);
      return v === 'light' || v === 'dark' ? v : null;
    } catch (e) {
      // Storage can be off (privacy settings, some file:// pages).
      return null;
    }
  }
  function store(value) {
    try { root.localStorage.setItem(KEY, value); } catch (e) { /* not remembered, still applied */ }
  }
  function siteMode() {
    var mode = html.getAttribute('data-theme-mode');
    return mode === 'light' || mode === 'dark' ? mode : null;
  }

  // The explicit choice, or null to follow the system.
  function chosen() { return fromHash() || stored() || siteMode(); }

  function current() {
    var attr = html.getAttribute('data-theme');
    if (attr === 'light' || attr === 'dark') return attr;
    return systemDark && systemDark.matches ? 'dark' : 'light';
  }

  var last = null;
  function apply() {
    var choice = chosen();
    if (choice) html.setAttribute('data-theme', choice);
    else html.removeAttribute('data-theme');
    var now = current();
    var button = document.querySelector('.theme-toggle');
    if (button) button.setAttribute('aria-pressed', now === 'dark' ? 'true' : 'false');
    if (now !== last) {
      var first = last === null;
      last = now;
      if (!first) {
        var event;
        try {
          event = new CustomEvent('tally:theme', { detail: { theme: now } });
        } catch (e) {
          event = document.createEvent('CustomEvent');
          event.initCustomEvent('tally:theme', false, false, { theme: now });
        }
        document.dispatchEvent(event);
      }
    }
  }

  // The toggle: the other theme, remembered. A theme in the URL is the
  // page's state like its filters, so the toggle changes it there too (as a
  // new history entry: the back button undoes it).
  function toggle() {
    var next = current() === 'dark' ? 'light' : 'dark';
    store(next);
    if (fromHash()) {
      root.location.hash = root.location.hash.replace(/(^#|&)theme=(light|dark)/, '$1theme=' + next);
    } else {
      apply();
    }
  }

  apply();
  root.addEventListener('hashchange', apply);
  if (systemDark) {
    if (systemDark.addEventListener) systemDark.addEventListener('change', apply);
    else if (systemDark.addListener) systemDark.addListener(apply);
  }
  // Another tab of the site changed the remembered theme.
  root.addEventListener('storage', function (e) { if (e.key === KEY) apply(); });

  function wire() {
    var button = document.querySelector('.theme-toggle');
    if (!button) return;
    button.hidden = false;
    button.addEventListener('click', toggle);
    apply();
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', wire);
  else wire();

  root.tallyTheme = { current: current, toggle: toggle };
})(window);
