// Views in a real browser (tests/testsuite/views_browser.rs runs this).
//
// node views.mjs <spec.json>
//
// The spec names a built site's URL (http:// or file://) and what one tab
// should show for one organization and one of its teams, as the Rust test
// read it from the view's JSON downloads. The script drives Debian's
// chromium with playwright-core: it picks the view by URL hash and by the
// controls, narrows the months, steps back, sorts and searches a table,
// and fails (exit 1) on any mismatch, console error or CSP violation.
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const spec = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const failures = [];
const check = (ok, message) => { if (!ok) failures.push(message); };

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--no-first-run', '--disable-sync', '--allow-file-access-from-files'],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
const problems = [];
page.on('console', (msg) => { if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`console ${msg.type()}: ${msg.text()}`); });
page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));

const tabUrl = `${spec.base}/${spec.tab}/index.html`;
const viewIs = (key) => page.waitForFunction((k) => document.documentElement.getAttribute('data-view') === k, key, { timeout: 10000 });
const text = (sel) => page.$eval(sel, (el) => el.textContent.trim());
const chartData = (id) => page.$eval(`#${id} .chart__live`, (box) => {
  const option = window.echarts.getInstanceByDom(box).getOption();
  return { x: option.xAxis[0].data, series: option.series.map((s) => s.data) };
});
const rowCount = (id) => page.$eval(`#${id} .table-tools__count`, (el) => el.textContent.trim());

// 1. By URL hash: the organization's numbers, chart and table.
await page.goto(`${tabUrl}#org=${spec.org.slug}`);
await viewIs(spec.org.key);
check((await text(`#${spec.number.id} .number__value`)) === spec.org.number,
  `number for ${spec.org.key}: ${await text(`#${spec.number.id} .number__value`)} != ${spec.org.number}`);
const orgChart = await chartData(spec.chart.id);
check(JSON.stringify(orgChart.series[0]) === JSON.stringify(spec.org.series),
  `chart for ${spec.org.key}: ${JSON.stringify(orgChart.series[0])} != ${JSON.stringify(spec.org.series)}`);
check((await rowCount(spec.table.id)) === spec.org.rows, `table rows for ${spec.org.key}: ${await rowCount(spec.table.id)} != ${spec.org.rows}`);
const csv = await page.$eval(`#${spec.table.id} a[data-ext="csv"]`, (a) => a.getAttribute('href'));
check(csv.includes(`views/${spec.org.key}/${spec.tab}/${spec.table.id}.csv`), `download link ${csv}`);
const tabLink = await page.$eval('.tabs a[href*="index.html"]:not([aria-current])', (a) => a.getAttribute('href'));
check(tabLink.includes(`#org=${spec.org.slug}`), `the tab bar keeps the filter: ${tabLink}`);

// 2. By the controls: the team.
await page.selectOption('select[name="team"]', spec.team.slug);
await viewIs(spec.team.key);
check(page.url().includes(`team=${spec.team.slug}`), `the hash names the team: ${page.url()}`);
check((await text(`#${spec.number.id} .number__value`)) === spec.team.number,
  `number for ${spec.team.key}: ${await text(`#${spec.number.id} .number__value`)} != ${spec.team.number}`);
check((await rowCount(spec.table.id)) === spec.team.rows, `table rows for ${spec.team.key}: ${await rowCount(spec.table.id)} != ${spec.team.rows}`);

// 3. A month range narrows the chart over months, not the number.
await page.selectOption('select[name="from"]', spec.range.from);
await page.selectOption('select[name="to"]', spec.range.to);
await page.waitForFunction((to) => location.hash.includes(`to=${to}`), spec.range.to);
const narrowed = await chartData(spec.chart.id);
check(JSON.stringify(narrowed.series[0]) === JSON.stringify(spec.team.range_series),
  `narrowed chart: ${JSON.stringify(narrowed.series[0])} != ${JSON.stringify(spec.team.range_series)}`);
check((await text(`#${spec.number.id} .number__value`)) === spec.team.number, 'the month range leaves numbers alone');
check(await page.$(`#${spec.number.id} .card__range-note`) !== null, 'a number card says the range does not apply');

// 4. Back, twice: the team without the range, then the organization.
await page.goBack();
await page.goBack();
await page.goBack();
await viewIs(spec.org.key);
check((await text(`#${spec.number.id} .number__value`)) === spec.org.number, 'back returns to the organization');

// 5. Sorting and searching a table.
await page.click(`#${spec.table.id} th:nth-child(${spec.table.sort_column + 1}) button`);
const sorted = await page.$$eval(`#${spec.table.id} tbody tr td:nth-child(${spec.table.sort_column + 1})`, (tds) => tds.map((td) => td.textContent));
const expected = [...sorted].sort((a, b) => a.localeCompare(b, undefined, { numeric: true, sensitivity: 'base' }));
check(JSON.stringify(sorted) === JSON.stringify(expected), `sorted: ${JSON.stringify(sorted)}`);
await page.fill(`#${spec.table.id} .table-tools__search`, spec.table.search);
const found = await page.$$eval(`#${spec.table.id} tbody tr`, (trs) => trs.map((tr) => tr.textContent));
check(found.length > 0 && found.every((t) => t.toLowerCase().includes(spec.table.search.toLowerCase())), `search: ${JSON.stringify(found)}`);

// 6. Reset: the whole site again.
await page.click('.filters__reset');
await viewIs('');
check((await text(`#${spec.number.id} .number__value`)) === spec.all.number, 'reset shows the whole site');

await browser.close();
for (const p of problems) failures.push(p);
if (failures.length) {
  console.error(`${spec.base}: ${failures.length} problem(s)\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
console.log(`${spec.base}: views ok`);
