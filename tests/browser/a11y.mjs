// Accessibility in a real browser (tests/testsuite/a11y.rs runs this).
//
// node a11y.mjs <spec.json>
//
// The spec names a built site's base URL, its tab pages and a folder for
// screenshots (or none). For every page, in the light and the dark theme,
// the script drives Debian's chromium with playwright-core and checks:
// - axe-core's WCAG 2.0/2.1 A and AA rules: no serious or critical
//   violation;
// - every chart SVG, the build-time one and the live ECharts one, is an
//   image with a name (role="img" and a label, on itself or the element
//   that wraps it);
// - every table has header cells (th), one per column;
// - the dark theme really changes the page's background and text colours;
// - nothing is logged to the console (errors, warnings: a ResizeObserver
//   loop included) and no script fails;
// then at 360 px wide that nothing overflows the page sideways, and on the
// first page with a download menu that it opens from the keyboard, closes
// with Escape and gives focus back to its button. It exits 1 with every
// failure listed.
import { readFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const spec = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const axeSource = readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'node_modules/axe-core/axe.min.js'), 'utf8');
const failures = [];
const check = (ok, message) => { if (!ok) failures.push(message); };
if (spec.screenshots) mkdirSync(spec.screenshots, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--no-first-run', '--disable-sync'],
});

// A page of the site in a fresh context (nothing remembered between
// themes), its console watched; resolves once every chart went live.
async function open(path, { theme, width = 1280, height = 900, media = 'screen' }) {
  const context = await browser.newContext({ viewport: { width, height }, colorScheme: theme });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`console ${msg.type()}: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  await page.emulateMedia({ media, colorScheme: theme });
  const hash = theme === 'dark' ? '#theme=dark' : '';
  await page.goto(`${spec.base}/${path}${hash}`);
  await page.waitForFunction(() => document.querySelectorAll('figure.chart:not(.chart--live)').length === 0,
    null, { timeout: 15000 }).catch(() => problems.push('not every chart went live within 15 s'));
  // Let resize observers and redraws settle before looking.
  await page.waitForTimeout(300);
  return { context, page, problems };
}

async function shoot(page, name) {
  if (!spec.screenshots) return;
  await page.screenshot({ path: join(spec.screenshots, `${name}.png`), fullPage: true });
}

const colours = {};
let menuChecked = false;
for (const path of spec.pages) {
  const slug = path.replace(/\/?index\.html$/, '') || 'index';
  for (const theme of ['light', 'dark']) {
    const where = `${path} (${theme})`;
    const { context, page, problems } = await open(path, { theme });
    const shown = await page.evaluate(() => window.tallyTheme && window.tallyTheme.current());
    check(shown === theme, `${where}: the page shows the ${shown} theme`);

    // axe-core, WCAG 2.x A and AA. Evaluated rather than added as a
    // script tag: the site's Content-Security-Policy (script-src 'self')
    // refuses inline scripts, and stays on.
    await shoot(page, `${slug}-${theme}`);

    // Every disclosure open (a chart's data, View SQL), so its tables and
    // code are audited too.
    await page.evaluate(() => document.querySelectorAll('details.disclosure').forEach((d) => { d.open = true; }));
    await page.evaluate(axeSource);
    const result = await page.evaluate(() => window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    }));
    for (const v of result.violations) {
      if (v.impact !== 'serious' && v.impact !== 'critical') continue;
      const nodes = v.nodes.slice(0, 4).map((n) => `${n.target.join(' ')}: ${n.failureSummary.replace(/\s+/g, ' ')}`);
      failures.push(`${where}: axe ${v.impact} ${v.id} (${v.help}) on ${v.nodes.length} element(s):\n      ${nodes.join('\n      ')}`);
    }

    // tally's own checks.
    const own = await page.evaluate(() => {
      const out = [];
      const nameOf = (el) => {
        const label = el.getAttribute('aria-label');
        if (label && label.trim()) return label.trim();
        const by = el.getAttribute('aria-labelledby');
        if (by) return by.split(/\s+/).map((id) => (document.getElementById(id) || {}).textContent || '').join(' ').trim();
        const title = el.querySelector(':scope > title');
        return title ? title.textContent.trim() : '';
      };
      const svgs = [...document.querySelectorAll('figure.chart svg')].filter((svg) => !svg.parentElement.closest('svg'));
      if (svgs.length === 0 && document.querySelector('figure.chart')) out.push('charts without an SVG');
      for (const svg of svgs) {
        const image = svg.getAttribute('role') === 'img' ? svg : svg.closest('[role="img"]');
        const figure = svg.closest('figure');
        const id = figure && figure.closest('[id]') ? figure.closest('[id]').id : '?';
        const kind = svg.closest('.chart__live') ? 'live' : 'static';
        if (!image) out.push(`${id}: the ${kind} chart SVG is not inside role="img"`);
        else if (!nameOf(image)) out.push(`${id}: the ${kind} chart's image has no name`);
      }
      const live = document.querySelectorAll('figure.chart .chart__live svg').length;
      const figures = document.querySelectorAll('figure.chart').length;
      if (live !== figures) out.push(`${live} live chart SVGs for ${figures} charts`);
      for (const table of document.querySelectorAll('table')) {
        const id = table.closest('[id]') ? table.closest('[id]').id : '?';
        const head = table.tHead ? table.tHead.rows[0] : table.rows[0];
        const columns = Math.max(0, ...[...table.tBodies].flatMap((b) => [...b.rows].map((r) => r.cells.length)));
        const ths = head ? [...head.cells].filter((c) => c.tagName === 'TH').length : 0;
        if (ths === 0 || (columns > 0 && ths < columns)) out.push(`${id}: a table with ${ths} header cells for ${columns} columns`);
      }
      const style = getComputedStyle(document.body);
      return {
        out, background: style.backgroundColor, color: style.color,
        charts: svgs.length, tables: document.querySelectorAll('table').length,
      };
    });
    for (const o of own.out) failures.push(`${where}: ${o}`);
    const minor = result.violations.filter((v) => v.impact !== 'serious' && v.impact !== 'critical');
    console.log(`${where}: axe ${result.passes.length} rules passed, ${minor.length} minor or moderate (${minor.map((v) => v.id).join(', ')}); ${own.charts} chart SVGs, ${own.tables} tables; body ${own.background} / ${own.color}`);
    colours[`${path} ${theme}`] = own;

    // The download menu, once: a disclosure the keyboard opens and Escape
    // closes, focus back on its button.
    if (theme === 'light' && !menuChecked && await page.$('details.menu')) {
      menuChecked = true;
      await page.focus('details.menu > summary');
      await page.keyboard.press('Enter');
      check(await page.$eval('details.menu', (d) => d.open), `${where}: Enter does not open the download menu`);
      await page.keyboard.press('Tab');
      check(await page.evaluate(() => document.activeElement.closest('details.menu') !== null),
        `${where}: Tab does not move into the open download menu`);
      await page.keyboard.press('Escape');
      check(!(await page.$eval('details.menu', (d) => d.open)), `${where}: Escape does not close the download menu`);
      check(await page.evaluate(() => document.activeElement === document.querySelector('details.menu > summary')),
        `${where}: after Escape focus is not on the menu's button`);
    }
    for (const p of problems) failures.push(`${where}: ${p}`);
    await context.close();
  }
  const light = colours[`${path} light`];
  const dark = colours[`${path} dark`];
  check(light.background !== dark.background, `${path}: the dark page background is the light one (${light.background})`);
  check(light.color !== dark.color, `${path}: the dark text colour is the light one (${light.color})`);

  // A phone: 360 px wide, nothing wider than the page.
  for (const theme of ['light', 'dark']) {
    const { context, page, problems } = await open(path, { theme, width: 360, height: 740 });
    const { scroll, inner, culprits } = await page.evaluate(() => {
      const inner = window.innerWidth;
      const culprits = [...document.querySelectorAll('body *')]
        .filter((el) => el.getBoundingClientRect().right > inner + 0.5 && !el.closest('.table-wrap, .chart__live, .chart__svg'))
        .slice(0, 5).map((el) => `${el.tagName.toLowerCase()}.${el.className}`);
      return { scroll: document.scrollingElement.scrollWidth, inner, culprits };
    });
    check(scroll <= inner, `${path} (${theme}, 360 px): the page scrolls sideways (${scroll} > ${inner}): ${culprits.join(', ')}`);
    for (const p of problems) failures.push(`${path} (${theme}, 360 px): ${p}`);
    await shoot(page, `${slug}-phone-${theme}`);
    await context.close();
  }
  // Printed: the print stylesheet, for looking at.
  if (spec.screenshots) {
    const { context, page } = await open(path, { theme: 'light', media: 'print' });
    await shoot(page, `${slug}-print`);
    await context.close();
  }
}

await browser.close();
if (failures.length) {
  console.error(`${spec.base}: ${failures.length} problem(s)\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
console.log(`${spec.base}: ${spec.pages.length} pages accessible in light and dark`);
