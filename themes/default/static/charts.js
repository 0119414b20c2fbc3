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

  // ---- the browser: live charts --------------------------------------

  // The colours the build writes into every option (the default
  // ChartTheme), by the CSS custom property that holds each one's
  // counterpart in the page's theme. A dark page swaps them; the images
  // (SVG, PNG, PDF) keep the light ones. The stylesheet maps the same
  // colours in the inline SVGs, for pages read without JavaScript.
  var THEMED = {
    '#ffffff': '--chart-bg', '#fff': '--chart-bg',
    '#1f2328': '--chart-text', '#57606a': '--chart-muted',
    '#e5e7eb': '--chart-grid', '#8c959f': '--chart-other',
    '#0072b2': '--chart-1', '#e69f00': '--chart-2', '#009e73': '--chart-3', '#d55e00': '--chart-4',
    '#56b4e9': '--chart-5', '#cc79a7': '--chart-6', '#f0e442': '--chart-7', '#000000': '--chart-8'
  };

  function theme() {
    return root.tallyTheme ? root.tallyTheme.current() : 'light';
  }

  // A copy of `node` with every themed colour replaced by `map`'s value
  // (functions, such as hydrated formatters, are kept as they are).
  function recolour(node, map) {
    if (typeof node === 'string') {
      var to = map[node.toLowerCase()];
      return to || node;
    }
    if (Array.isArray(node)) {
      var list = [];
      for (var i = 0; i < node.length; i++) list.push(recolour(node[i], map));
      return list;
    }
    if (node && typeof node === 'object') {
      var copy = {};
      for (var key in node) {
        if (Object.prototype.hasOwnProperty.call(node, key)) copy[key] = recolour(node[key], map);
      }
      return copy;
    }
    return node;
  }

  // The option in the page's current theme.
  function themed(option) {
    if (theme() !== 'dark' || typeof document === 'undefined') return option;
    var style = root.getComputedStyle(document.documentElement);
    var map = {};
    for (var colour in THEMED) {
      var value = style.getPropertyValue(THEMED[colour]).trim();
      if (value) map[colour] = value;
    }
    var out = recolour(option, map);
    // ECharts' own defaults, which the option does not name.
    if (out.tooltip) {
      out.tooltip.backgroundColor = style.getPropertyValue('--surface').trim();
      out.tooltip.borderColor = style.getPropertyValue('--border').trim();
      out.tooltip.textStyle = { color: style.getPropertyValue('--text').trim() };
    }
    if (out.legend && !Array.isArray(out.legend)) {
      out.legend.inactiveColor = style.getPropertyValue('--chart-grid').trim();
      out.legend.pageTextStyle = { color: style.getPropertyValue('--chart-muted').trim() };
      out.legend.pageIconColor = style.getPropertyValue('--chart-text').trim();
      out.legend.pageIconInactiveColor = style.getPropertyValue('--chart-grid').trim();
    }
    var decal = style.getPropertyValue('--chart-decal').trim();
    if (decal && out.aria && out.aria.decal) out.aria.decal.decals = darkDecals(decal);
    // Series of bars name their decal (option.rs, series_decal): recolour it.
    if (decal && Array.isArray(out.series)) {
      out.series.forEach(function (s) { if (s.itemStyle && s.itemStyle.decal) s.itemStyle.decal.color = decal; });
    }
    return out;
  }

  // ECharts' default decal patterns (globalDefault.ts), in a colour that
  // shows on dark series colours (its default is 20% black).
  function darkDecals(colour) {
    return [
      { color: colour, dashArrayX: [1, 0], dashArrayY: [2, 5], symbolSize: 1, rotation: Math.PI / 6 },
      { color: colour, symbol: 'circle', dashArrayX: [[8, 8], [0, 8, 8, 0]], dashArrayY: [6, 0], symbolSize: 0.8 },
      { color: colour, dashArrayX: [1, 0], dashArrayY: [4, 3], rotation: -Math.PI / 4 },
      { color: colour, dashArrayX: [[6, 6], [0, 6, 6, 0]], dashArrayY: [6, 0] },
      { color: colour, dashArrayX: [[1, 0], [1, 6]], dashArrayY: [1, 0, 6, 0], rotation: Math.PI / 4 },
      { color: colour, symbol: 'triangle', dashArrayX: [[9, 9], [0, 9, 9, 0]], dashArrayY: [7, 2], symbolSize: 0.75 }
    ];
  }

  var boxes = [];

  // Fits an option to its box's width: a horizontal bar chart's names get
  // at most 40% of it, cut with an ellipsis (the tooltip and the table
  // keep them whole), so on a phone the bars still have room; value labels
  // that would collide are left out. Wide boxes are unchanged (the names
  // fit in 40% of 640 px).
  function fit(option, width) {
    ['xAxis', 'yAxis'].forEach(function (key) {
      var axes = option[key];
      if (!axes) return;
      (Array.isArray(axes) ? axes : [axes]).forEach(function (axis) {
        axis.axisLabel = axis.axisLabel || {};
        if (axis.type === 'value') axis.axisLabel.hideOverlap = true;
        if (axis.type === 'category' && key === 'yAxis') {
          axis.axisLabel.width = Math.max(64, Math.round(width * 0.4));
          axis.axisLabel.overflow = 'truncate';
        }
      });
    });
    return option;
  }

  function draw(box, chart) {
    box.tallyWidth = box.clientWidth;
    chart.setOption(themed(fit(box.tallyOption, box.tallyWidth || 640)), { notMerge: true });
  }

  function reducedMotion() {
    return !!(root.matchMedia && root.matchMedia('(prefers-reduced-motion: reduce)').matches);
  }

  // Draws a (hydrated) option into `box` as a live chart, or redraws it:
  // the one way the page's charts and a view's charts are drawn (charts.js
  // and filters.js), so both get the same interactive parts, the page's
  // theme, the box's name for screen readers (ECharts' `aria` with the
  // text of the box's `aria-label`) and resizing with their card.
  function live(box, option) {
    option.animation = !reducedMotion();
    if (option.tooltip) option.tooltip.confine = true;
    if (option.legend && !Array.isArray(option.legend)) option.legend.type = 'scroll';
    var label = box.getAttribute('aria-label');
    if (label) {
      option.aria = option.aria || {};
      option.aria.enabled = true;
      option.aria.label = { enabled: true, description: label };
    }
    box.tallyOption = option;
    var chart = root.echarts.getInstanceByDom(box) || root.echarts.init(box, null, { renderer: 'svg' });
    draw(box, chart);
    if (!box.tallyObserved) {
      box.tallyObserved = true;
      boxes.push(box);
      if (typeof ResizeObserver !== 'undefined') {
        var pending = 0;
        // Resize in a task of its own: resizing inside the observer's
        // callback changes what it observes, which the browser reports as
        // a ResizeObserver loop. (A timer rather than an animation frame:
        // frames do not run in a headless screenshot, timers do.)
        new ResizeObserver(function () {
          root.clearTimeout(pending);
          pending = root.setTimeout(function () {
            var c = root.echarts.getInstanceByDom(box);
            if (!c) return;
            c.resize();
            // Names cut to the new width.
            if (box.clientWidth !== box.tallyWidth) draw(box, c);
          }, 0);
        }).observe(box);
      } else {
        root.addEventListener('resize', function () {
          var c = root.echarts.getInstanceByDom(box);
          if (c) c.resize();
        });
      }
    }
    return chart;
  }

  root.tallyCharts = { hydrate: hydrate, formatNumber: formatNumber, live: live, themed: themed };

  if (typeof document === 'undefined' || typeof root.echarts === 'undefined') return;

  // A new theme: every live chart still on the page, in its colours.
  document.addEventListener('tally:theme', function () {
    boxes = boxes.filter(function (box) { return document.documentElement.contains(box); });
    boxes.forEach(function (box) {
      var chart = root.echarts.getInstanceByDom(box);
      if (chart && box.tallyOption) draw(box, chart);
    });
  });

  function upgrade(figure) {
    var script = figure.querySelector('script.chart__option, script.chart-option');
    var image = figure.querySelector('.chart__svg, .chart-svg');
    if (!script) return;
    var option = hydrate(JSON.parse(script.textContent));
    var height = parseInt(figure.getAttribute('data-height'), 10) || 320;
    var width = parseInt(figure.getAttribute('data-width'), 10) || 640;

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
    try {
      live(box, option);
    } catch (err) {
      // Leave the image rather than an empty box.
      figure.classList.remove('chart--live');
      figure.removeChild(box);
      throw err;
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
