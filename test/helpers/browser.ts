// A real browser for the status page tests: Debian's chromium driven by playwright-core (no browser download).
import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.PGBACKOPS_CHROMIUM ?? '/usr/bin/chromium';

/** Where tests leave screenshots (gitignored). */
export const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url).pathname;

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
  mkdirSync(ARTIFACTS, { recursive: true });
  // As root chromium refuses to start with its sandbox.
  return chromium.launch({ executablePath: CHROMIUM, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
}
