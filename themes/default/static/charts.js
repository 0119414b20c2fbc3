/*
 * tally charts: upgrades each build-time SVG chart to an interactive ECharts
 * chart (tooltips, legend toggling, resizing). Without JavaScript, or if
 * anything here fails, the inline SVG stays.
 *
 * Page markup, one per chart (`chart-svg`/`chart-option` also work):
 *   <figure class="chart" data-width=".." data-height="..">
 *     <div class="chart__svg" role="img" aria-label=".."><svg>..</svg></div>
 *     <script type="application/json" class="chart__option">{..}</script>
 *   </figure>
 * An upgraded figure gets the class `chart--live` and a `.chart__live` box
 * after the image; the stylesheet decides which of the two shows (the image
 * when printing).
 *
 * `tallyCharts.hydrate` also runs at build time inside tally's embedded
 * JavaScript engine, so the SVG and the browser format numbers the same way:
 * the option names formats as strings (`"formatter": "tally:number:compact"`)
 * because JSON cannot hold functions. Keep this file ES5 and free of Intl.
 */
(function (root) {
  'use strict';

  function group(digits) {
    var out = '';
    for (var i = 0; i < digits.length; i++) {
      if (i > 0 && (digits.length - i) % 3 === 0) out += ',';
      out += digits.charAt(i);
    }
    return out;
  }

  // Fixed-point with thousands separators and trailing zeros trimmed:
  // fixed(1234.5, 2) === '1,234.5'.
  function fixed(value, decimals) {
    var s = Math.abs(value).toFixed(decimals);
    var dot = s.indexOf('.');
    var whole = dot < 0 ? s : s.slice(0, dot);
    var frac = dot < 0 ? '' : s.slice(dot + 1).replace(/0+$/, '');
    var negative = value < 0 && /[1-9]/.test(s);
    return (negative ? '-' : '') + group(whole) + (frac ? '.' + frac : '');
  }

  var numberFormats = {
    integer: function (v) { return fixed(v, 0); },
    decimal: function (v) { return fixed(v, 2); },
    // Values are ratios: 0.125 -> 12.5%.
    percent: function (v) { return fixed(v * 100, 1) + '%'; },
    // 1.5k, 2M, 3.3B; a value that rounds up to 1000 of a unit moves to
    // the next (999,950 is 1M, not 1,000k).
    compact: function (v) {
      var units = [[1, ''], [1e3, 'k'], [1e6, 'M'], [1e9, 'B']];
      var a = Math.abs(v);
      var i = 0;
      while (i < units.length - 1 && a >= units[i + 1][0]) i++;
      if (i < units.length - 1 && Number((a / units[i][0]).toFixed(1)) >= 1000) i++;
      return fixed(v / units[i][0], 1) + units[i][1];
    }
  };

  function formatNumber(format, value) {
    if (value === null || value === undefined || value === '' || value === '-') return '–';
    var n = typeof value === 'number' ? value : Number(value);
    if (!isFinite(n)) return String(value);
    return (numberFormats[format] || numberFormats.integer)(n);
  }

  function formatterFor(spec) {
    var parts = spec.split(':');
    if (parts[1] === 'number') {
      var format = parts[2];
      // Axis labels and valueFormatter get the value; series labels get
      // ECharts' params object.
      return function (value) {
        if (value && typeof value === 'object' && 'value' in value) value = value.value;
        return formatNumber(format, value);
      };
    }
    return spec;
  }

  // Replaces `tally:` marker strings in formatter keys with functions, in
  // place; returns the option.
  function hydrate(node) {
    if (Array.isArray(node)) {
      for (var i = 0; i < node.length; i++) hydrate(node[i]);
    } else if (node && typeof node === 'object') {
      for (var key in node) {
        if (!Object.prototype.hasOwnProperty.call(node, key)) continue;
        var value = node[key];
        if ((key === 'formatter' || key === 'valueFormatter') &&
            typeof value === 'string' && value.indexOf('tally:') === 0) {
          node[key] = formatterFor(value);
        } else {
          hydrate(value);
        }
      }
    }
    return node;
  }

  root.tallyCharts = { hydrate: hydrate, formatNumber: formatNumber };

  if (typeof document === 'undefined' || typeof root.echarts === 'undefined') return;

  function upgrade(figure) {
    var script = figure.querySelector('script.chart__option, script.chart-option');
    var image = figure.querySelector('.chart__svg, .chart-svg');
    if (!script) return;
    var option = hydrate(JSON.parse(script.textContent));
    var height = parseInt(figure.getAttribute('data-height'), 10) || 320;
    var width = parseInt(figure.getAttribute('data-width'), 10) || 640;
    // The browser gets the interactive parts the image leaves out.
    option.animation = true;
    if (option.tooltip) option.tooltip.confine = true;
    if (option.legend && !Array.isArray(option.legend)) option.legend.type = 'scroll';

    // The live chart goes beside the image, which stays in the page (the
    // theme hides it on screen and prints it instead of the live chart).
    var box = document.createElement('div');
    box.className = 'chart__live';
    box.style.width = '100%';
    // Same aspect ratio as the image, at the container's width.
    box.style.aspectRatio = width + ' / ' + height;
    if (image && image.getAttribute('aria-label')) {
      box.setAttribute('role', 'img');
      box.setAttribute('aria-label', image.getAttribute('aria-label'));
    }
    figure.insertBefore(box, image ? image.nextSibling : script);
    figure.classList.add('chart--live');
    var chart;
    try {
      chart = root.echarts.init(box, null, { renderer: 'svg' });
      chart.setOption(option);
    } catch (err) {
      // Leave the image rather than an empty box.
      figure.classList.remove('chart--live');
      figure.removeChild(box);
      throw err;
    }
    if (typeof ResizeObserver !== 'undefined') {
      new ResizeObserver(function () { chart.resize(); }).observe(box);
    } else {
      root.addEventListener('resize', function () { chart.resize(); });
    }
  }

  function upgradeAll() {
    var figures = document.querySelectorAll('figure.chart');
    for (var i = 0; i < figures.length; i++) {
      try {
        upgrade(figures[i]);
      } catch (err) {
        if (root.console) root.console.error('tally: chart upgrade failed', err);
      }
    }
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', upgradeAll);
  } else {
    upgradeAll();
  }
})(typeof globalThis !== 'undefined' ? globalThis : this);
