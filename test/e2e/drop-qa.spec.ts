import { mkdir } from 'node:fs/promises';
import type { Page } from '@playwright/test';
import { DEMO_EVENT_ID } from '../../core/event/demo-event.ts';
import { seedDemo } from '../../sync-server/demo-seed.ts';
import { ConsolePage } from './console-page.ts';
import { TillPage } from './till-page.ts';
import { expect, test } from './fixtures.ts';

/**
 * The drop's live Q&A end to end, in three browsers: a shopper asks on the drop page, the organiser answers
 * and moderates from the console's "Live drop" tab, and another shopper sees the answer, the pin and the
 * hidden question arrive live (no reload). Screenshots: drop-qa-*.png, console-qa-*.png in docs/screenshots.
 */
const DIR = process.env.SCREENSHOT_DIR ?? 'docs/screenshots';

async function shootBoth(page: Page, name: string, focus?: string): Promise<void> {
  await mkdir(DIR, { recursive: true });
  for (const [label, width, height] of [
    ['phone', 390, 844],
    ['desktop', 1280, 800],
  ] as const) {
    await page.setViewportSize({ width, height });
    if (focus) await page.locator(focus).evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: `${DIR}/${name}-${label}.png` });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

test('a shopper asks, the console answers, pins and hides, and another shopper sees each change live', async ({ server, launchTill }) => {
  test.setTimeout(150_000);
  const demo = await seedDemo(server, Date.now() - 5 * 60_000);
  const shopUrl = `${server.url}/examples/storefront/?${new URLSearchParams({ token: demo.storefrontToken })}`;
  // Two shoppers in two browsers: two browser keys, two shopper numbers.
  const asker = (await launchTill('shopper-a')).pages()[0]!;
  const watcher = (await launchTill('shopper-b')).pages()[0]!;
  for (const p of [asker, watcher]) {
    await p.goto(shopUrl);
    await expect(p.getByRole('heading', { name: 'Questions & answers' })).toBeVisible();
    await expect(p.getByText('No questions yet.', { exact: false })).toBeVisible();
  }

  // A question with an e-mail address is refused in words, and nothing is shown to anyone.
  await asker.getByLabel('Ask the brand').fill('Can you write me at sam@example.com?');
  await asker.getByRole('button', { name: 'Ask', exact: true }).click();
  await expect(asker.getByText('Please leave out e-mail addresses and phone numbers: everyone on this page sees your question.')).toBeVisible();

  // By keyboard: the question, the product it is about, Enter on Ask.
  await asker.getByLabel('Ask the brand').fill('Does the hoodie run small?');
  await asker.getByRole('combobox', { name: 'About' }).selectOption({ label: 'Drop Hoodie — M' });
  await asker.getByRole('button', { name: 'Ask', exact: true }).focus();
  await asker.keyboard.press('Enter');
  await expect(asker.getByText(/^Asked as Shopper [0-9A-F]{4}\. The answer appears here for everyone\.$/)).toBeVisible();
  const shopper = (await asker.getByText(/^Asked as Shopper/).textContent())!.match(/Shopper [0-9A-F]{4}/)![0];
  const watcherList = watcher.getByRole('list').filter({ hasText: 'Does the hoodie run small?' });
  await expect(watcherList).toContainText(`${shopper} ·`);
  await expect(watcherList).toContainText('about Drop Hoodie — M');
  // The watcher asks something the brand will hide.
  await watcher.getByLabel('Ask the brand').fill('FIRST!!! lol');
  await watcher.getByRole('button', { name: 'Ask', exact: true }).click();
  await expect(asker.getByText('FIRST!!! lol')).toBeVisible();

  // The organiser answers from the console.
  const c = new ConsolePage((await launchTill('organiser')).pages()[0]!);
  await c.signIn(server.url, demo.organiserToken);
  await c.tab('Live drop').click();
  const qa = c.section('Questions and answers');
  const question = qa.getByRole('listitem', { name: `Question from ${shopper}` });
  await expect(question).toContainText('Does the hoodie run small?');
  await question.getByRole('textbox', { name: `Answer to ${shopper}` }).fill('It runs true to size; take your usual one.');
  await question.getByRole('button', { name: 'Answer' }).click();
  await expect(c.page.getByText(`Answered ${shopper}: every shopper on the page sees it`)).toBeVisible();
  await question.getByRole('button', { name: 'Pin' }).click();
  const spam = qa.getByRole('listitem').filter({ hasText: 'FIRST!!! lol' });
  await spam.getByRole('button', { name: 'Hide' }).click();
  await expect(c.page.getByText('Hidden from every shopper')).toBeVisible();

  // The other shopper sees the answer and the pin arrive, and the hidden question go, without reloading.
  const item = watcher.getByRole('listitem').filter({ hasText: 'Does the hoodie run small?' });
  await expect(item).toContainText('The brand: It runs true to size; take your usual one.');
  await expect(item).toContainText('Pinned ·');
  await expect(watcher.getByText('FIRST!!! lol')).toHaveCount(0);
  await expect(asker.getByText('FIRST!!! lol')).toHaveCount(0);
  await shootBoth(watcher, 'drop-qa', '#qa');

  // The console's list shows the hidden one again when asked, for the screenshot.
  await expect(qa.getByRole('listitem')).toHaveCount(1);
  await qa.getByLabel('Show hidden questions').check();
  await expect(qa.getByRole('listitem')).toHaveCount(2);
  await shootBoth(c.page, 'console-qa');

  // A booth running the live stream answers from its till (the east hub's, paired as the staff would).
  await asker.getByLabel('Ask the brand').fill('Is the tote waterproof?');
  await asker.getByRole('button', { name: 'Ask', exact: true }).click();
  const till = new TillPage((await launchTill('booth')).pages()[0]!);
  await till.open(server.url);
  await till.pair(server.url, demo.tills.find((t) => t.name === 'East hub till')!.code);
  await expect(till.status()).toContainText('Online');
  await till.page.getByRole('button', { name: 'Live Q&A' }).click();
  const panel = till.page.getByRole('dialog', { name: 'Live Q&A' });
  const tote = panel.getByRole('listitem').filter({ hasText: 'Is the tote waterproof?' });
  await tote.getByRole('textbox', { name: `Answer to ${shopper}` }).fill('Yes: waxed canvas.');
  await tote.getByRole('button', { name: 'Answer' }).press('Enter');
  await expect(tote).toContainText('Answered by');
  await expect(watcher.getByRole('listitem').filter({ hasText: 'Is the tote waterproof?' })).toContainText('The brand: Yes: waxed canvas.');
  for (const [label, width, height] of [
    ['phone', 390, 844],
    ['desktop', 1280, 800],
  ] as const) {
    await till.page.setViewportSize({ width, height });
    await till.page.screenshot({ path: `${DIR}/till-live-qa-${label}.png` });
  }

  // Kept for the post-drop analysis.
  const analysis = await fetch(`${server.url}/api/events/${DEMO_EVENT_ID}/qa/analysis`, { headers: { authorization: `Bearer ${demo.organiserToken}` } });
  expect(((await analysis.json()) as { summary: { questions: number; answered: number } }).summary).toMatchObject({ questions: 3, answered: 2 });
});
