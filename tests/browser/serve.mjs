// `tally serve`'s reload script in a real browser (tests/testsuite/serve.rs
// runs this).
//
// node serve.mjs <spec.json>
//
// The spec names a page served by a running `tally serve`, a SQL file of
// the site, and three versions of it: the original, a changed one whose
// result the page shows as `changed_text`, and a broken one whose error
// holds `error_text`. With the page open, the script saves each in turn
// and checks that the page reloads by itself with the new result, that
// the error shows in the overlay without a reload (the last good page
// stays under it), and that fixing it reloads the page without the
// overlay; it fails (exit 1) on any mismatch, console error or CSP
// violation.
import { readFileSync, writeFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const spec = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const failures = [];
const check = (ok, message) => { if (!ok) failures.push(message); };
const timeout = 10000;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--no-first-run', '--disable-sync'],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
const problems = [];
page.on('console', (msg) => { if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`console ${msg.type()}: ${msg.text()}`); });
page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));

const url = `${spec.base}/${spec.page}`;
await page.goto(url);
// The script is there and connected before anything changes.
await page.waitForFunction(() => document.querySelector('script[src="/_tally/live.js"]') !== null, null, { timeout });
await page.waitForTimeout(500);
const mark = () => page.evaluate(() => { window.tallyTestMark = true; });
const marked = () => page.evaluate(() => window.tallyTestMark === true);
const bodyText = () => page.evaluate(() => document.body.innerText);

// 1. A change reloads the page by itself, with the new result.
await mark();
check(!(await bodyText()).includes(spec.changed_text), `"${spec.changed_text}" is on the page before the change`);
let loaded = page.waitForEvent('load', { timeout });
writeFileSync(spec.file, spec.changed);
await loaded;
check(!(await marked()), 'the page was not reloaded');
check((await bodyText()).includes(spec.changed_text), `after the change the page lacks "${spec.changed_text}"`);

// 2. A broken query shows its error over the page, which stays as it was.
await mark();
writeFileSync(spec.file, spec.broken);
await page.waitForSelector('#tally-serve-error', { timeout });
const overlay = await page.$eval('#tally-serve-error', (el) => el.innerText);
check(overlay.includes(spec.error_text), `the overlay lacks "${spec.error_text}": ${overlay}`);
check(await marked(), 'the page reloaded on an error');
check((await bodyText()).includes(spec.changed_text), 'the last good page is not under the overlay');

// 3. Fixed: the page reloads, without the overlay.
loaded = page.waitForEvent('load', { timeout });
writeFileSync(spec.file, spec.original);
await loaded;
check(!(await marked()), 'the page was not reloaded after the fix');
check(await page.$('#tally-serve-error') === null, 'the overlay stayed after the fix');
check(!(await bodyText()).includes(spec.changed_text), 'the fixed page shows the changed result');

await browser.close();
for (const p of problems) failures.push(p);
if (failures.length) {
  console.error(`${url}: ${failures.length} problem(s)\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
console.log(`${url}: live reload ok`);
