// Browser-test helpers: Debian's chromium driven by playwright-core (no browser download),
// screenshots of every state under test/artifacts/browser/ (git-ignored), and a platform with a
// seeded production environment, an owner with a password and a viewer with a sign-in link.
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';

export const ARTIFACTS = fileURLToPath(new URL('../artifacts/browser/', import.meta.url));
export const WEB_DIST = fileURLToPath(new URL('../../packages/web/dist/index.html', import.meta.url));

const CANDIDATES = [process.env.OEC_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => !!p);

export function chromiumPath(): string | null {
  return CANDIDATES.find((p) => existsSync(p)) ?? null;
}

export async function launchBrowser(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error('chromium not found: run scripts/setup.sh (apt-get install chromium)');
  return chromium.launch({
    executablePath,
    // Root in a container has no user namespaces for chromium's sandbox.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
    headless: true,
  });
}

let shot = 0;
/** Start the suite's screenshots afresh (numbers follow the order of the states). */
export async function resetArtifacts(): Promise<void> {
  await rm(ARTIFACTS, { recursive: true, force: true });
  shot = 0;
}

/** Save a numbered screenshot of the page's current state. */
export async function screenshot(page: Page, name: string, fullPage = false): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, `${String(++shot).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage });
  return file;
}
