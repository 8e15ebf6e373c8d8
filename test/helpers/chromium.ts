// Debian's Chromium for the real-browser tests, driven by playwright-core (never a downloaded
// browser), and the small accessibility check every hosted page passes.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { probePostgres } from './engines.ts';

const CHROMIUM = '/usr/bin/chromium';
// Without the background-networking flags Chromium tries hosts this machine cannot reach.
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// A developer machine without Chromium skips with the fix in the message; CI must run the tests.
export const chromiumMissing = existsSync(CHROMIUM) ? undefined : `Chromium not found at ${CHROMIUM}: install Debian's package (apt-get install chromium) to run the browser tests`;
if (chromiumMissing && process.env['CI'] === 'true') throw new Error(`${chromiumMissing} (required under CI=true)`);

/** Why a browser test of this engine is skipped, or undefined to run it. */
export async function browserSkipReason(engine: 'sqlite' | 'postgres'): Promise<string | undefined> {
  if (chromiumMissing) return chromiumMissing;
  const postgresMissing = engine === 'postgres' ? await probePostgres() : undefined;
  return postgresMissing ? `PostgreSQL unreachable (${postgresMissing})` : undefined;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** Every visible input has exactly one <label for>, and every button a name (text or aria-label). */
export async function assertLabelledAndNamed(page: Page, where: string): Promise<void> {
  for (const input of await page.locator('input:not([type=hidden])').all()) {
    const id = await input.getAttribute('id');
    assert.ok(id && (await page.locator(`label[for="${id}"]`).count()) === 1, `${where}: input ${await input.getAttribute('name')} has a label`);
  }
  for (const button of await page.locator('button').all()) {
    const name = ((await button.getAttribute('aria-label')) ?? (await button.innerText())).trim();
    assert.notEqual(name, '', `${where}: every button has a name`);
  }
}
