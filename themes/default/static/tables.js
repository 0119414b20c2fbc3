/*
 * tally tables: sort by any column, search, and page through every row a
 * table holds, without a server. Works on the tables the page was built
 * with (rows read from the markup) and on the ones filters.js builds for a
 * view (rows given). Only rows the page already holds are shown: nothing is
 * computed, and without JavaScript the table shows all of them.
 *
 *   tally.table(wrap)            enhance a `.table-wrap` (idempotent)
 *   tally.table(wrap, rows)      ... with these rows (arrays of cell text)
 *   controller.setRange(col, from, to)   keep rows whose cell `col` is in
 *                                        the months from..to (`YYYY-MM`)
 */
(function (root) {
  'use strict';
  var tally = root.tally = root.tally || {};
  var PAGE = 25;
  // While printing, a table shows every row it holds, not one page of them.
  var printing = false;
  var controllers = [];

  function text(el, s) { el.textContent = s; return el; }
  function make(tag, cls) { var el = document.createElement(tag); if (cls) el.className = cls; return el; }

  // Text in the reader's order: case and accents aside, digits as numbers.
  function collate(x, y) { return x.localeCompare(y, undefined, { numeric: true, sensitivity: 'base' }); }

  // "1,234.5" -> 1234.5; anything else -> NaN.
  function numeric(s) {
    var t = s.replace(/,/g, '').replace(/\u2212/, '-');
    return /^-?\d+(\.\d+)?%?$/.test(t) ? parseFloat(t) : NaN;
  }

  function Controller(wrap, rows) {
    var table = wrap.querySelector('table');
    this.wrap = wrap;
    this.table = table;
    this.tbody = table.tBodies[0] || table.appendChild(make('tbody'));
    this.heads = Array.prototype.slice.call(table.querySelectorAll('thead th'));
    this.numericCols = this.heads.map(function (th) { return th.classList.contains('num'); });
    if (!rows) {
      rows = Array.prototype.map.call(this.tbody.rows, function (tr) {
        return Array.prototype.map.call(tr.cells, function (td) { return td.textContent; });
      });
    }
    this.rows = rows;
    this.sortCol = -1;
    this.sortDir = 1;
    this.query = '';
    this.range = null;
    this.page = 0;
    this.build();
    this.render();
  }

  Controller.prototype.build = function () {
    var self = this;
    var caption = this.table.caption ? this.table.caption.textContent : 'table';
    this.heads.forEach(function (th, i) {
      var label = th.textContent;
      th.textContent = '';
      var button = text(make('button', 'sort'), label);
      button.type = 'button';
      button.addEventListener('click', function () { self.sortBy(i); });
      th.appendChild(button);
      th.setAttribute('aria-sort', 'none');
    });
    var bar = make('div', 'table-tools');
    var search = make('input', 'table-tools__search');
    search.type = 'search';
    search.placeholder = 'Search';
    search.setAttribute('aria-label', 'Search ' + caption);
    search.addEventListener('input', function () { self.query = search.value.toLowerCase(); self.page = 0; self.render(); });
    this.count = make('span', 'table-tools__count');
    this.count.setAttribute('aria-live', 'polite');
    bar.appendChild(search);
    bar.appendChild(this.count);
    this.wrap.parentNode.insertBefore(bar, this.wrap);
    var pager = make('div', 'table-pager');
    this.prev = text(make('button', 'table-pager__button'), '‹ Previous');
    this.next = text(make('button', 'table-pager__button'), 'Next ›');
    this.prev.type = this.next.type = 'button';
    this.pageLabel = make('span', 'table-pager__label');
    this.prev.addEventListener('click', function () { self.page--; self.render(); });
    this.next.addEventListener('click', function () { self.page++; self.render(); });
    pager.appendChild(this.prev);
    pager.appendChild(this.pageLabel);
    pager.appendChild(this.next);
    this.wrap.parentNode.insertBefore(pager, this.wrap.nextSibling);
    this.tools = [bar, pager];
  };

  Controller.prototype.sortBy = function (col) {
    this.sortDir = this.sortCol === col ? -this.sortDir : (this.numericCols[col] ? -1 : 1);
    this.sortCol = col;
    this.page = 0;
    var self = this;
    this.heads.forEach(function (th, i) {
      th.setAttribute('aria-sort', i !== col ? 'none' : self.sortDir > 0 ? 'ascending' : 'descending');
    });
    this.render();
  };

  Controller.prototype.setRange = function (col, from, to) {
    this.range = col === null || col === undefined || (!from && !to) ? null : { col: col, from: from, to: to };
    this.page = 0;
    this.render();
  };

  Controller.prototype.visible = function () {
    var q = this.query, range = this.range;
    var rows = this.rows.filter(function (row) {
      if (range) {
        var month = (row[range.col] || '').slice(0, 7);
        if (!month || (range.from && month < range.from) || (range.to && month > range.to)) return false;
      }
      if (!q) return true;
      for (var i = 0; i < row.length; i++) if (row[i].toLowerCase().indexOf(q) >= 0) return true;
      return false;
    });
    if (this.sortCol >= 0) {
      var c = this.sortCol, dir = this.sortDir, num = this.numericCols[c];
      // Stable: ties keep the query's order.
      rows = rows.map(function (row, i) { return [row, i]; });
      rows.sort(function (a, b) {
        var x = a[0][c] || '', y = b[0][c] || '', d;
        if (num) {
          var nx = numeric(x), ny = numeric(y);
          d = isNaN(nx) ? (isNaN(ny) ? 0 : 1) : isNaN(ny) ? -1 : (nx - ny) * dir;
        } else {
          d = x === '' ? (y === '' ? 0 : 1) : y === '' ? -1 : collate(x, y) * dir;
        }
        return d || a[1] - b[1];
      });
      rows = rows.map(function (pair) { return pair[0]; });
    }
    return rows;
  };

  Controller.prototype.render = function () {
    var rows = this.visible();
    var pages = Math.max(1, Math.ceil(rows.length / PAGE));
    this.page = Math.min(Math.max(this.page, 0), pages - 1);
    var start = this.page * PAGE;
    var shown = printing ? rows : rows.slice(start, start + PAGE);
    var tbody = make('tbody');
    var numericCols = this.numericCols;
    shown.forEach(function (row) {
      var tr = make('tr');
      row.forEach(function (cell, i) {
        var td = text(make('td'), cell);
        if (numericCols[i]) td.className = 'num';
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
    });
    if (!shown.length) {
      var tr = make('tr');
      var td = text(make('td', 'table-empty'), 'No rows match.');
      td.colSpan = Math.max(1, this.heads.length);
      tr.appendChild(td);
      tbody.appendChild(tr);
    }
    this.table.replaceChild(tbody, this.tbody);
    this.tbody = tbody;
    var all = this.rows.length;
    this.count.textContent = rows.length === all ? all + (all === 1 ? ' row' : ' rows')
      : rows.length + ' of ' + all + ' rows';
    this.pageLabel.textContent = 'Page ' + (this.page + 1) + ' of ' + pages;
    this.prev.disabled = this.page === 0;
    this.next.disabled = this.page >= pages - 1;
    this.tools[1].hidden = pages === 1;
  };

  tally.table = function (wrap, rows) {
    if (!wrap.tallyTable) {
      wrap.tallyTable = new Controller(wrap, rows);
      controllers.push(wrap.tallyTable);
    }
    return wrap.tallyTable;
  };

  function reprint(on) {
    printing = on;
    controllers = controllers.filter(function (c) { return document.documentElement.contains(c.wrap); });
    controllers.forEach(function (c) { c.render(); });
  }
  root.addEventListener('beforeprint', function () { reprint(true); });
  root.addEventListener('afterprint', function () { reprint(false); });

  function enhanceAll() {
    var wraps = document.querySelectorAll('.table-wrap');
    for (var i = 0; i < wraps.length; i++) {
      try { tally.table(wraps[i]); } catch (err) { if (root.console) root.console.error('tally: table', err); }
    }
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', enhanceAll);
  else enhanceAll();
})(window);
