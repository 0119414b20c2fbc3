/*
 * tally filters: one page, many views. The filter bar picks an
 * organization, a team of it and a month range; the page then shows that
 * view's numbers, charts and tables, and its downloads.
 *
 * Every number of a view was computed at build time by the report's own SQL
 * over the view's rows (views/<filter>/<slug>/<tab>/data.js, a classic
 * script, so this works from file:// too); this script only places them.
 * The month range narrows what the page holds: the months of a chart over
 * months and the rows of a log. It computes nothing.
 *
 * State lives in the URL hash (#org=<slug>&team=<slug>&from=YYYY-MM&to=YYYY-MM),
 * so a link reproduces a view and the back button steps back through them.
 * Without JavaScript, or before views/index.js has loaded, the page is the
 * whole-site view it was built as.
 */
(function (root) {
  'use strict';
  var tally = root.tally = root.tally || {};
  var model = null;
  var loaded = {};
  var waiting = {};
  var page = null;

  // views/index.js and each data.js call these.
  tally.filters = function (m) { model = m; };
  tally.data = function (d) {
    var key = d.view + '|' + d.tab;
    loaded[key] = d;
    var callbacks = waiting[key] || [];
    delete waiting[key];
    callbacks.forEach(function (cb) { cb(d); });
  };

  function make(tag, cls, content) {
    var el = document.createElement(tag);
    if (cls) el.className = cls;
    if (content !== undefined) el.textContent = content;
    return el;
  }

  // ---- URL state -------------------------------------------------------

  function parseHash() {
    var state = {}, extra = [];
    var hash = root.location.hash.replace(/^#/, '');
    if (hash && hash.indexOf('=') < 0) return { anchor: decodeURIComponent(hash), extra: [] };
    hash.split('&').forEach(function (part) {
      if (!part) return;
      var eq = part.indexOf('=');
      var k = eq < 0 ? part : part.slice(0, eq);
      var v = eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1));
      if (k === 'org' || k === 'team' || k === 'from' || k === 'to' || k === 'at') state[k] = v;
      else extra.push(part);
    });
    state.extra = extra;
    return state;
  }

  function hashOf(state, keepAt) {
    var parts = [];
    ['org', 'team', 'from', 'to'].forEach(function (k) {
      if (state[k]) parts.push(k + '=' + encodeURIComponent(state[k]));
    });
    if (keepAt && state.at) parts.push('at=' + encodeURIComponent(state.at));
    parts = parts.concat(state.extra || []);
    return parts.length ? '#' + parts.join('&') : '';
  }

  // ---- the model -------------------------------------------------------

  function findOrg(slug) {
    for (var i = 0; i < model.organizations.length; i++) if (model.organizations[i].slug === slug) return model.organizations[i];
    return null;
  }
  function findTeam(org, slug) {
    if (!org) return null;
    for (var i = 0; i < org.teams.length; i++) if (org.teams[i].slug === slug) return org.teams[i];
    return null;
  }
  function monthLabel(m) {
    var names = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
    return names[parseInt(m.slice(5, 7), 10) - 1] + ' ' + m.slice(0, 4);
  }

  // A state with everything it names checked against the model.
  function resolve(raw) {
    var org = findOrg(raw.org);
    var team = findTeam(org, raw.team);
    var months = model.months;
    var from = months.indexOf(raw.from) >= 0 ? raw.from : '';
    var to = months.indexOf(raw.to) >= 0 ? raw.to : '';
    if (from && to && from > to) { var t = from; from = to; to = t; }
    if (from === months[0]) from = '';
    if (to === months[months.length - 1]) to = '';
    var key = team ? team.key : org ? org.key : null;
    return {
      org: org ? org.slug : '', team: team ? team.slug : '', from: from, to: to, at: raw.at,
      extra: raw.extra || [], orgEntry: org, teamEntry: team, key: key,
      filter: team ? 'team' : org ? 'organization' : ''
    };
  }

  // ---- the controls ----------------------------------------------------

  function option(select, value, label) {
    var o = make('option', null, label);
    o.value = value;
    select.appendChild(o);
  }

  function fillControls(form, state) {
    var org = form.elements.org, team = form.elements.team, from = form.elements.from, to = form.elements.to;
    if (!org.options.length) {
      option(org, '', 'All organizations');
      model.organizations.forEach(function (o) { option(org, o.slug, o.label); });
      model.months.forEach(function (m, i) {
        option(from, i ? m : '', monthLabel(m));
        option(to, i === model.months.length - 1 ? '' : m, monthLabel(m));
      });
    }
    org.value = state.org;
    while (team.options.length) team.remove(0);
    // 'All teams' either way: the whole company holds every team, and the
    // short text fits the select at 360 px (where 'Choose an organization'
    // was cut); why it is disabled is its tooltip.
    option(team, '', 'All teams');
    (state.orgEntry ? state.orgEntry.teams : []).forEach(function (t) { option(team, t.slug, t.label); });
    team.value = state.team;
    team.disabled = !state.orgEntry || !state.orgEntry.teams.length;
    team.title = state.orgEntry ? '' : 'Choose an organization first';
    from.value = state.from;
    to.value = state.to;
    form.querySelector('[data-filter="org"]').hidden = !model.organizations.length;
    form.querySelector('[data-filter="team"]').hidden = !model.organizations.some(function (o) { return o.teams.length; });
  }

  function describe(state) {
    var parts = [];
    if (state.teamEntry) parts.push('Team ' + state.teamEntry.label + ' of ' + state.orgEntry.label);
    else if (state.orgEntry) parts.push(state.orgEntry.label);
    else parts.push(model.scope || 'All organizations');
    if (state.from || state.to) {
      var months = model.months;
      parts.push(monthLabel(state.from || months[0]) + ' – ' + monthLabel(state.to || months[months.length - 1]));
    }
    var text = 'Showing ' + parts.join(', ') + '.';
    if (state.orgEntry && !state.key) text += ' This organization has no view of its own in this build: the page shows every organization.';
    if (state.from || state.to) text += ' The months narrow charts over months and logs; totals and current-month figures stay as of the data date, and downloads hold every month.';
    return text;
  }

  // ---- placing a view's data -------------------------------------------

  function numberNode(n) {
    var wrap = document.createDocumentFragment();
    var p = make('p', 'number');
    p.appendChild(make('span', 'number__value', n.value));
    if (n.change) {
      var change = make('span', 'change change--' + n.direction);
      change.title = n.compared || 'Change on the previous period';
      change.appendChild(make('span', 'visually-hidden', 'Change: '));
      change.appendChild(document.createTextNode(n.change));
      p.appendChild(document.createTextNode(' '));
      p.appendChild(change);
      if (n.compared) {
        p.appendChild(document.createTextNode(' '));
        p.appendChild(make('span', 'number__compared', n.compared));
      }
    }
    wrap.appendChild(p);
    if (n.period) wrap.appendChild(make('p', 'number__period', n.period));
    return wrap;
  }

  function tableNode(report, caption) {
    var frag = document.createDocumentFragment();
    var wrap = make('div', 'table-wrap');
    wrap.tabIndex = 0;
    wrap.setAttribute('role', 'region');
    wrap.setAttribute('aria-label', caption);
    var table = make('table');
    var cap = make('caption', 'visually-hidden', caption);
    table.appendChild(cap);
    var thead = make('thead'), tr = make('tr');
    report.columns.forEach(function (c) {
      var th = make('th', c.numeric ? 'num' : null, c.label);
      th.scope = 'col';
      tr.appendChild(th);
    });
    thead.appendChild(tr);
    table.appendChild(thead);
    table.appendChild(make('tbody'));
    wrap.appendChild(table);
    frag.appendChild(wrap);
    if (report.total_rows > report.rows.length) {
      frag.appendChild(make('p', 'table-note', 'Showing the first ' + report.rows.length + ' of ' +
        report.total_rows_label + ' rows. The downloads hold all of them.'));
    }
    return { node: frag, wrap: wrap };
  }

  // Builds a card body for one report of a view.
  function viewBody(card, report) {
    var body = make('div', 'card__body');
    body.setAttribute('data-body', '');
    var title = card.querySelector('.card__title');
    var caption = title ? title.textContent : report.id;
    var display = card.getAttribute('data-display');
    var after = [];
    if (report.error) {
      var err = make('div', 'error');
      err.setAttribute('role', 'alert');
      err.appendChild(make('p', null, 'This report failed for this view.'));
      err.appendChild(make('pre', null, report.error));
      body.appendChild(err);
    } else if (!report.total_rows) {
      body.appendChild(make('p', 'empty', 'No data for this period.'));
    } else if (display === 'number' && report.number) {
      body.appendChild(numberNode(report.number));
    } else if (display === 'chart' && report.chart) {
      var figure = make('figure', 'chart chart--live');
      var box = make('div', 'chart__live');
      box.setAttribute('role', 'img');
      box.setAttribute('aria-label', caption + '. ' + report.chart.summary);
      box.style.width = '100%';
      box.style.aspectRatio = report.chart.width + ' / ' + report.chart.height;
      figure.appendChild(box);
      figure.appendChild(make('figcaption', 'chart__summary', report.chart.summary));
      body.appendChild(figure);
      var details = make('details', 'disclosure');
      details.appendChild(make('summary', null, 'Show the data'));
      var t = tableNode(report, caption);
      details.appendChild(t.node);
      body.appendChild(details);
      after.push(function () {
        tally.table(t.wrap, report.rows);
        figure.tallyChart = { box: box, option: report.chart.option, x: report.chart.x };
        drawChart(figure, null);
      });
    } else {
      var t2 = tableNode(report, caption);
      body.appendChild(t2.node);
      after.push(function () { tally.table(t2.wrap, report.rows); });
    }
    return { body: body, after: after };
  }

  // ---- charts ----------------------------------------------------------

  function clone(o) { return JSON.parse(JSON.stringify(o)); }

  // The option with only the categories whose x is in the range.
  function narrowed(option, x, range) {
    var o = clone(option);
    if (!range || !x) return o;
    var keep = [];
    x.forEach(function (value, i) {
      var m = value.slice(0, 7);
      if ((!range.from || m >= range.from) && (!range.to || m <= range.to)) keep.push(i);
    });
    function pick(list) { return keep.map(function (i) { return list[i]; }); }
    ['xAxis', 'yAxis'].forEach(function (name) {
      var axes = Array.isArray(o[name]) ? o[name] : o[name] ? [o[name]] : [];
      axes.forEach(function (axis) {
        if (axis.type === 'category' && Array.isArray(axis.data) && axis.data.length === x.length) axis.data = pick(axis.data);
      });
    });
    (Array.isArray(o.series) ? o.series : [o.series]).forEach(function (s) {
      if (s && Array.isArray(s.data) && s.data.length === x.length) s.data = pick(s.data);
    });
    return o;
  }

  // Drawn as charts.js draws the page's charts (tallyCharts.live): the same
  // theme, screen-reader name, motion and resizing.
  function drawChart(figure, range) {
    var c = figure.tallyChart;
    if (!c || !root.echarts || !root.tallyCharts) return;
    root.tallyCharts.live(c.box, root.tallyCharts.hydrate(narrowed(c.option, c.x, range)));
  }

  // The page's own (whole-site) charts, once charts.js has made them live.
  function adoptStaticCharts() {
    var figures = document.querySelectorAll('figure.chart.chart--live');
    for (var i = 0; i < figures.length; i++) {
      var f = figures[i];
      if (f.tallyChart) continue;
      var box = f.querySelector('.chart__live');
      var script = f.querySelector('script.chart__option');
      var xs = f.querySelector('script.chart__x');
      if (!box || !script) continue;
      f.tallyChart = { box: box, option: JSON.parse(script.textContent), x: xs ? JSON.parse(xs.textContent) : null };
    }
  }

  // ---- applying a state ------------------------------------------------

  var originals = {};
  var current = null;

  function cards() { return Array.prototype.slice.call(document.querySelectorAll('section.card[id]')); }

  function keepOriginal(card) {
    if (originals[card.id]) return;
    var links = Array.prototype.map.call(card.querySelectorAll('a[data-ext]'), function (a) { return [a, a.getAttribute('href')]; });
    originals[card.id] = { body: card.querySelector('[data-body]'), links: links };
  }

  function placeTab(state, data) {
    var byId = {};
    (data ? data.reports : []).forEach(function (r) { byId[r.id] = r; });
    var prefix = state.key ? page.root + 'views/' + state.key + '/' + page.tab + '/' : '';
    cards().forEach(function (card) {
      keepOriginal(card);
      var original = originals[card.id];
      var body = card.querySelector('[data-body]');
      var report = byId[card.id];
      var next = original.body, after = [];
      if (data && report) {
        var built = viewBody(card, report);
        next = built.body;
        after = built.after;
      }
      if (body !== next) body.parentNode.replaceChild(next, body);
      after.forEach(function (f) { f(); });
      // Downloads: the view's files beside the same names.
      original.links.forEach(function (pair) {
        var a = pair[0], href = pair[1];
        var ext = a.getAttribute('data-ext');
        var li = a.parentNode;
        if (!state.key) { a.setAttribute('href', href); li.hidden = false; return; }
        // Images are drawn for the whole site only.
        li.hidden = ext === 'svg' || ext === 'png';
        a.setAttribute('href', prefix + card.id + '.' + ext);
      });
    });
    var pdf = document.querySelector('a[data-pdf]');
    if (pdf) {
      if (!pdf.hasAttribute('data-href')) pdf.setAttribute('data-href', pdf.getAttribute('href'));
      var hasPdf = !state.key || state.filter === 'organization';
      pdf.hidden = !hasPdf;
      pdf.setAttribute('href', state.key && hasPdf ? prefix + page.tab + '.pdf' : pdf.getAttribute('data-href'));
    }
    var teamNote = document.querySelector('[data-team-note]');
    if (teamNote) teamNote.hidden = state.filter !== 'team';
  }

  function placeOverview(state, data) {
    var byId = {};
    (data ? data.headlines : []).forEach(function (h) { byId[h.id] = h; });
    Array.prototype.forEach.call(document.querySelectorAll('[data-headline]'), function (card) {
      if (!originals[card.id]) originals[card.id] = { body: card.querySelector('[data-body]'), links: [] };
      var body = card.querySelector('[data-body]');
      var next = originals[card.id].body;
      if (data) {
        next = make('div');
        next.setAttribute('data-body', '');
        if (byId[card.id]) next.appendChild(numberNode(byId[card.id].number));
        else next.appendChild(make('p', 'empty', 'No data for this view.'));
      }
      if (body !== next) body.parentNode.replaceChild(next, body);
    });
  }

  function applyRange(state) {
    var range = state.from || state.to ? { from: state.from, to: state.to } : null;
    cards().forEach(function (card) {
      var col = card.getAttribute('data-range-column');
      Array.prototype.forEach.call(card.querySelectorAll('.table-wrap'), function (wrap) {
        if (wrap.tallyTable) wrap.tallyTable.setRange(col === null ? null : parseInt(col, 10), state.from, state.to);
      });
      Array.prototype.forEach.call(card.querySelectorAll('figure.chart'), function (f) {
        if (f.tallyChart && f.tallyChart.x) drawChart(f, range);
      });
      var note = card.querySelector('.card__range-note');
      var applies = col !== null;
      if (range && !applies && !note) {
        note = make('p', 'card__range-note', 'The month range does not apply: this report is as of ' + page.asOf + '.');
        var head = card.querySelector('.card__head');
        head.parentNode.insertBefore(note, head.nextSibling);
      } else if ((!range || applies) && note) {
        note.parentNode.removeChild(note);
      }
    });
  }

  function updateLinks(state) {
    var hash = hashOf(state, false);
    Array.prototype.forEach.call(document.querySelectorAll('.tabs a, .site-title, a.card--link'), function (a) {
      if (!a.hasAttribute('data-base-href')) a.setAttribute('data-base-href', a.getAttribute('href'));
      var base = a.getAttribute('data-base-href');
      var anchor = base.indexOf('#') >= 0 ? base.slice(base.indexOf('#') + 1) : '';
      var path = anchor ? base.slice(0, base.indexOf('#')) : base;
      if (!hash) { a.setAttribute('href', base); return; }
      a.setAttribute('href', path + hash + (anchor ? '&at=' + encodeURIComponent(anchor) : ''));
    });
  }

  function load(key, tab, done) {
    var id = key + '|' + tab;
    if (loaded[id]) return done(loaded[id]);
    var first = !waiting[id];
    (waiting[id] = waiting[id] || []).push(done);
    if (!first) return;
    var script = document.createElement('script');
    script.src = page.root + 'views/' + key + '/' + (tab ? tab + '/data.js' : 'index.js');
    script.onerror = function () {
      delete waiting[id];
      page.status.textContent = 'The data of this view could not be loaded (' + script.src + ').';
    };
    document.head.appendChild(script);
  }

  function apply() {
    var raw = parseHash();
    if (raw.anchor !== undefined) raw = { extra: [], at: raw.anchor, anchorOnly: true };
    var state = resolve(raw);
    current = state;
    fillControls(page.form, state);
    page.status.textContent = describe(state);
    updateLinks(state);
    var place = page.tab ? placeTab : placeOverview;
    var finish = function (data) {
      if (current !== state) return;
      place(state, data);
      if (page.tab) applyRange(state);
      document.documentElement.setAttribute('data-view', state.key || '');
      if (state.at && !raw.anchorOnly) {
        var target = document.getElementById(state.at);
        if (target) target.scrollIntoView();
      }
    };
    if (state.key) {
      page.status.textContent = describe(state) + ' Loading…';
      load(state.key, page.tab, function (data) { page.status.textContent = describe(state); finish(data); });
    } else {
      finish(null);
    }
  }

  function navigate(form) {
    var raw = {
      org: form.elements.org.value,
      team: form.elements.team.value,
      from: form.elements.from.value,
      to: form.elements.to.value,
      extra: current ? current.extra : []
    };
    if (current && raw.org !== current.org) raw.team = '';
    var hash = hashOf(resolve(raw), false);
    if (hash !== root.location.hash && (hash || root.location.hash)) {
      if (hash) root.location.hash = hash;
      else root.history.pushState(null, '', root.location.pathname + root.location.search);
      if (!hash) apply();
    }
  }

  function start() {
    var form = document.getElementById('filters');
    if (!form || !model) return;
    page = {
      form: form,
      status: form.querySelector('.filters__status'),
      root: document.body.getAttribute('data-root') || '',
      tab: document.body.getAttribute('data-tab') || '',
      asOf: (document.querySelector('.as-of time') || {}).textContent || 'the data date'
    };
    adoptStaticCharts();
    form.hidden = false;
    form.addEventListener('submit', function (e) { e.preventDefault(); });
    form.addEventListener('change', function () { navigate(form); });
    form.addEventListener('reset', function (e) {
      e.preventDefault();
      root.history.pushState(null, '', root.location.pathname + root.location.search);
      apply();
    });
    root.addEventListener('hashchange', apply);
    root.addEventListener('popstate', apply);
    apply();
  }

  // After the deferred scripts (charts.js makes the charts live first).
  if (document.readyState === 'complete') start();
  else root.addEventListener('load', start);
})(window);
