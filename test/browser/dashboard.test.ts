// The dashboard in a real browser (Debian's chromium via playwright-core) against a real
// controller serving the built app, a real agent and PostgreSQL: sign in, clone with the
// recommended preset to success, replace with the typed confirmation, cancel early, preset None
// refused without its acknowledgement, a failed clone retried, a viewer without the Clone action,
// the phone viewport. Assertions are on visible text; screenshots go to test/artifacts/browser/.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Environment } from '@oec/shared';
import { createSeededSource, packageMain, runCli, seedEnvironment, startPlatform, type AgentHandle, type Platform } from '../src/harness/index.js';
import { WEB_DIST, chromiumPath, launchBrowser, resetArtifacts, screenshot } from './browser.js';

const OWNER = 'owner@example.com';
const PASSWORD = 'browser-test-password';
const VIEWER = 'viewer@example.com';
const VIEWER_PASSWORD = 'viewer-password-42';
const CLONE_TIMEOUT = 240_000;
describe('dashboard in a browser', () => {
  let platform: Platform;
  let a: AgentHandle;
  let source: Environment;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    // Never a silent skip: CI must run this suite (scripts/setup.sh installs chromium and builds).
    if (!chromiumPath()) throw new Error('chromium is not installed: run scripts/setup.sh (apt-get install chromium)');
    if (!existsSync(WEB_DIST)) throw new Error('the dashboard is not built: run pnpm build');
    await resetArtifacts();
    platform = await startPlatform();
    const main = packageMain('@oec/controller');
    await runCli(main, ['bootstrap', '--email', OWNER, '--password', PASSWORD], platform.controllerEnv);
    a = await platform.addServer('a');
    await platform.addServer('b');
    ({ source } = await createSeededSource(platform, a));
    const staging = await platform.createEnvironment(a.server.id, { name: 'staging', environment_type: 'staging' });
    // A replace keeps the target's Odoo identity: the target must hold an Odoo database.
    await seedEnvironment(await platform.waitEnvironment(staging.id, 'RUNNING'), { seed: 7 });
    await platform.api.ok('POST', `/organizations/${platform.org.id}/members`, { email: VIEWER, role: 'viewer' });
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await platform?.close();
  });

  async function openEnvironments(p: Page): Promise<void> {
    await p.goto(`${platform.url}/projects/${platform.project.id}/environments`);
    await p.locator('tr[data-environment="production"]').waitFor();
  }

  async function openCloneDialog(): Promise<void> {
    await openEnvironments(page);
    await page.getByRole('button', { name: 'Actions for production' }).click();
    await page.getByRole('menuitem', { name: 'Clone Environment' }).click();
    await page.getByRole('dialog').getByText('Clone Environment: production').waitFor();
  }

  const dialog = () => page.getByRole('dialog');
  const start = () => dialog().getByRole('button', { name: 'Start Clone' });

  /** Wait for the success card; a failure card ends the wait at once with what it says. */
  async function waitForSuccess(): Promise<void> {
    const done = dialog().getByRole('heading', { name: /^Completed in/ });
    const failed = dialog().getByRole('heading', { name: /^Step failed/ });
    await done.or(failed).first().waitFor({ timeout: CLONE_TIMEOUT });
    if (await failed.isVisible()) throw new Error(`clone failed: ${await dialog().innerText()}`);
  }

  async function waitForText(text: string | RegExp, timeout = CLONE_TIMEOUT): Promise<void> {
    await dialog().getByText(text).first().waitFor({ timeout });
  }

  it('signs in with email and password and lands on the organizations', async () => {
    await page.goto(`${platform.url}/projects/${platform.project.id}`);
    await page.getByRole('heading', { name: 'Sign in to OEC' }).waitFor();
    await page.getByLabel('Email').fill(OWNER);
    await page.getByLabel('Password').fill('wrong password 123');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Invalid email or password').waitFor();
    await screenshot(page, 'sign-in-refused');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Organizations' }).waitFor();
    expect(await page.getByText('Acme').isVisible()).toBe(true);
    expect(page.url()).not.toContain('link=');
    await screenshot(page, 'organizations');

    await page.getByRole('link', { name: 'Acme' }).click();
    await page.getByRole('link', { name: 'shop' }).click();
    await page.locator('tr[data-environment="production"]').waitFor();
    const row = page.locator('tr[data-environment="production"]');
    expect(await row.innerText()).toMatch(/production[\s\S]*RUNNING[\s\S]*server-?a|production[\s\S]*RUNNING/);
    await screenshot(page, 'environments');

    // First load of the Environments page, from the Performance API (reported, not asserted).
    await openEnvironments(page);
    // (Expressions as strings: the test project is type-checked without the DOM library.)
    const nav = await page.evaluate<{ domContentLoaded: number; load: number } | null>(`(() => {
      const n = performance.getEntriesByType('navigation')[0];
      return n ? { domContentLoaded: Math.round(n.domContentLoadedEventEnd), load: Math.round(n.loadEventEnd) } : null;
    })()`);
    const rendered = await page.evaluate<number>('Math.round(performance.now())');
    console.log(`environments page: ${JSON.stringify(nav)} ms, table rendered by ${rendered} ms`);
  });

  it('clones into a new environment with the recommended preset, watched to success', async () => {
    await openCloneDialog();
    for (const tab of ['Target', 'Sanitization', 'Options']) expect(await dialog().getByRole('tab', { name: tab }).isVisible()).toBe(true);
    await dialog().getByLabel('Environment name').fill('stage-web');
    await dialog().getByText('Quota available').waitFor({ timeout: 60_000 });
    await screenshot(page, 'clone-dialog-target');
    await dialog().getByRole('tab', { name: 'Sanitization' }).click();
    await dialog().getByText('Best for staging').waitFor();
    await dialog().getByText('Estimated impact').waitFor({ timeout: 60_000 });
    await screenshot(page, 'clone-dialog-sanitization');
    await dialog().getByRole('tab', { name: 'Options' }).click();
    await dialog().getByLabel(/Include filestore/).waitFor();
    await screenshot(page, 'clone-dialog-options');
    expect(await start().isEnabled()).toBe(true);
    await start().click();

    await waitForText('Cloning into stage-web', 30_000);
    await dialog().getByText(/CLONING|QUEUED/).first().waitFor({ timeout: 30_000 });
    await screenshot(page, 'progress-running');
    await waitForSuccess();
    await page.getByText('Clone completed successfully!').waitFor();
    const text = await dialog().innerText();
    expect(text).toContain('COMPLETED');
    expect(text).toContain('Anonymize emails');
    expect(text).toMatch(/Proof passed/);
    expect(text).toContain('Open Environment');
    await screenshot(page, 'progress-completed');
    await dialog().getByRole('button', { name: 'Close', exact: true }).last().click();
    await page.locator('tr[data-environment="stage-web"]').waitFor();
  });

  it('replaces an environment: Start stays disabled until the name is typed and the box ticked', async () => {
    await openCloneDialog();
    await dialog().getByLabel('Replace existing environment').check();
    await dialog().getByLabel('Target environment').selectOption({ label: 'staging (staging) - RUNNING' });
    await dialog().getByText('This will destroy the current data in staging!').waitFor();
    expect(await start().isDisabled()).toBe(true);
    await dialog().getByLabel(/Type environment name to confirm/).fill('stagin');
    await dialog().getByLabel('I understand this is destructive').check();
    expect(await start().isDisabled()).toBe(true);
    await screenshot(page, 'replace-unconfirmed');
    await dialog().getByLabel(/Type environment name to confirm/).fill('staging');
    expect(await start().isEnabled()).toBe(true);
    await screenshot(page, 'replace-confirmed');
    await start().click();
    await waitForText('Cloning into staging', 30_000);
    await waitForSuccess();
    expect(await dialog().innerText()).toContain('Replace');
    await screenshot(page, 'replace-completed');
    await dialog().getByRole('button', { name: 'Close', exact: true }).last().click();
  });

  it('refuses preset None until its risks are acknowledged', async () => {
    await openCloneDialog();
    await dialog().getByLabel('Environment name').fill('exact-copy');
    await dialog().getByRole('tab', { name: 'Sanitization' }).click();
    await dialog().getByRole('radio', { name: /None/ }).click();
    await dialog().getByText(/Preset None copies all production data/).first().waitFor();
    expect(await start().isDisabled()).toBe(true);
    await screenshot(page, 'preset-none-refused');
    await dialog().getByLabel(/I understand the risks/).check();
    expect(await start().isEnabled()).toBe(true);
    await dialog().getByRole('button', { name: 'Cancel', exact: true }).click();
    await dialog().waitFor({ state: 'detached' });
  });

  it('offers the other servers with their free disk for a cross-server clone', async () => {
    await openCloneDialog();
    await dialog().getByLabel('Clone to different server').check();
    const select = dialog().getByLabel('Target server');
    const options = await select.locator('option').allInnerTexts();
    expect(options.join('\n')).toMatch(/^b — RUNNING — Available: [\d.]+ [KMGT]?B \/ [\d.]+ [KMGT]?B$/m);
    expect(await start().isDisabled()).toBe(true);
    await select.selectOption({ index: 1 });
    expect(await start().isEnabled()).toBe(true);
    const summary = dialog().getByRole('complementary', { name: 'Summary' });
    expect(await summary.innerText()).toMatch(/Server\s+b\b/);
    await summary.getByText('Quota available').waitFor({ timeout: 60_000 });
    await screenshot(page, 'cross-server-target');
    await dialog().getByRole('button', { name: 'Cancel', exact: true }).click();
    await dialog().waitFor({ state: 'detached' });
  });

  it('works from the keyboard: the ⋮ menu, the dialog tabs, Escape', async () => {
    await openEnvironments(page);
    await page.getByRole('button', { name: 'Actions for production' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('menuitem', { name: 'Clone Environment' }).waitFor();
    expect(await page.evaluate<string>('document.activeElement?.textContent ?? ""')).toBe('Clone Environment');
    await page.keyboard.press('Enter');
    await dialog().getByText('Clone Environment: production').waitFor();
    expect(await page.evaluate<string>('document.activeElement?.textContent ?? ""')).toBe('Target');
    await page.keyboard.press('ArrowRight');
    await dialog().getByText('Best for staging').waitFor();
    expect(await page.evaluate<string>('document.activeElement?.textContent ?? ""')).toBe('Sanitization');
    await screenshot(page, 'keyboard-sanitization-tab');
    await page.keyboard.press('Escape');
    await dialog().waitFor({ state: 'detached' });
  });

  it('cancels a clone during an early step', async () => {
    await a.setHooks({ step_delay_ms: 4000 });
    try {
      await openCloneDialog();
      await dialog().getByLabel('Environment name').fill('cancel-me');
      await start().click();
      // Minimize: the clone keeps running, a pill in the header shows it and reopens the modal.
      await dialog().getByRole('button', { name: 'Minimize' }).click();
      const pill = page.getByRole('button', { name: 'Show clone progress' });
      await pill.waitFor();
      expect(await pill.innerText()).toMatch(/cancel-me: (CLONING|QUEUED)/);
      await screenshot(page, 'minimized');
      await pill.click();
      const cancel = dialog().getByRole('button', { name: 'Cancel Clone' });
      await cancel.waitFor({ timeout: 30_000 });
      await screenshot(page, 'cancel-offered');
      await cancel.click();
      await waitForText('Clone cancelled.', 60_000);
      expect(await dialog().getByText('CANCELLED').first().isVisible()).toBe(true);
      await waitForText(/What it created was removed/, 120_000);
      await screenshot(page, 'cancelled');
      await dialog().getByRole('button', { name: 'Close', exact: true }).last().click();
    } finally {
      await a.setHooks({});
    }
  });

  it('shows a failed clone with its step and error, then retries it to success', async () => {
    await a.setHooks({ faults: ['restoring_database'] });
    await openCloneDialog();
    await dialog().getByLabel('Environment name').fill('retry-me');
    await start().click();
    await waitForText('Step failed: Restoring Database');
    await page.getByText('Clone failed at step 7 - See details').waitFor();
    const text = await dialog().innerText();
    expect(text).toContain('FAILED');
    expect(text).toContain('RESTORE_FAILED');
    await waitForText('The partial target environment was removed.');
    await screenshot(page, 'failed');
    await a.setHooks({});
    await dialog().getByRole('button', { name: 'Retry Clone', exact: true }).click();
    await dialog().getByRole('heading', { name: /^Step failed/ }).waitFor({ state: 'detached' });
    await waitForSuccess();
    await screenshot(page, 'retried-completed');
    await dialog().getByRole('button', { name: 'Close', exact: true }).last().click();
    await page.locator('tr[data-environment="retry-me"]').waitFor();
  });

  it('lists the servers and the environment’s operations history', async () => {
    await page.getByRole('link', { name: 'Servers' }).click();
    await page.getByRole('cell', { name: 'a', exact: true }).waitFor();
    expect(await page.locator('table').innerText()).toMatch(/RUNNING[\s\S]*Available:/);
    await screenshot(page, 'servers');
    await page.goto(`${platform.url}/environments/${source.id}/operations`);
    await page.getByRole('heading', { name: 'Operations of production' }).waitFor();
    await page.getByText('retry-me').first().waitFor();
    await page.locator('table').getByText(OWNER).first().waitFor();
    const table = await page.locator('table').innerText();
    expect(table).toContain('COMPLETED');
    expect(table).toContain('CANCELLED');
    expect(table).toContain(OWNER);
    await screenshot(page, 'operations-history');
  });

  it('invites a viewer by link: no Clone action, 403 from the API, a password set, 401 back to sign-in', async () => {
    await page.goto(`${platform.url}/organizations/${platform.org.id}`);
    await page.getByRole('button', { name: `Invite link for ${VIEWER}` }).click();
    const field = page.getByLabel(`Sign-in link for ${VIEWER}`);
    await field.waitFor();
    const link = await field.inputValue();
    expect(link).toContain('/sign-in#link=');
    await screenshot(page, 'members-invite-link');
    const viewerContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const v = await viewerContext.newPage();
    try {
      await v.goto(link);
      await v.getByRole('heading', { name: 'Organizations' }).waitFor();
      expect(v.url()).not.toContain('link=');
      await openEnvironments(v);
      await v.getByRole('button', { name: 'Actions for production' }).click();
      await v.getByRole('menuitem', { name: 'Operations history' }).waitFor();
      expect(await v.getByRole('menuitem', { name: 'Clone Environment' }).count()).toBe(0);
      await screenshot(v, 'viewer-no-clone');
      const status = await v.evaluate<number>(`(async () => {
        const s = JSON.parse(sessionStorage.getItem('oec.session') ?? '{}');
        const res = await fetch('/api/v1/environments/${source.id}/clone', {
          method: 'POST',
          headers: { authorization: 'Bearer ' + (s.token ?? ''), 'content-type': 'application/json' },
          body: JSON.stringify({ target: { create_new: true, environment_type: 'staging' } }),
        });
        return res.status;
      })()`);
      expect(status).toBe(403);

      // The invited member sets a password under Account.
      await v.getByRole('link', { name: VIEWER }).click();
      await v.getByRole('heading', { name: 'Set a password' }).waitFor();
      await v.getByLabel('New password', { exact: true }).fill(VIEWER_PASSWORD);
      await v.getByLabel('Repeat new password').fill(VIEWER_PASSWORD);
      await v.getByRole('button', { name: 'Save password' }).click();
      await v.getByText('Password saved').waitFor();
      await screenshot(v, 'viewer-password-set');

      // A token the API refuses (401) ends the session and says why on the sign-in page.
      await v.evaluate(`(() => {
        const s = JSON.parse(sessionStorage.getItem('oec.session'));
        sessionStorage.setItem('oec.session', JSON.stringify({ ...s, token: 'not.a.valid-token' }));
      })()`);
      await v.goto(`${platform.url}/projects/${platform.project.id}/environments`);
      await v.getByText('Your session has ended: sign in again.').waitFor();
      await screenshot(v, 'session-ended');
      await v.getByLabel('Email').fill(VIEWER);
      await v.getByLabel('Password').fill(VIEWER_PASSWORD);
      await v.getByRole('button', { name: 'Sign in' }).click();
      await v.getByRole('heading', { name: 'Organizations' }).waitFor();

      // The link was single use.
      await v.goto(link);
      await v.getByText('This sign-in link is invalid, expired or already used').waitFor();
    } finally {
      await viewerContext.close();
    }
  });

  it('signs in with a link printed by the CLI (what the demo prints)', async () => {
    const link = await runCli(packageMain('@oec/controller'), ['sign-in-link', '--user', OWNER, '--base-url', platform.url], platform.controllerEnv);
    const other = await browser.newContext();
    try {
      const p = await other.newPage();
      await p.goto(link);
      await p.getByRole('heading', { name: 'Organizations' }).waitFor();
      expect(await p.getByText(OWNER).isVisible()).toBe(true);
    } finally {
      await other.close();
    }
  });

  it('fits a phone screen without horizontal scrolling', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await openEnvironments(page);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await screenshot(page, 'phone-environments', true);
    await page.getByRole('button', { name: 'Actions for production' }).click();
    await page.getByRole('menuitem', { name: 'Clone Environment' }).click();
    await dialog().getByText('Quota available').waitFor({ timeout: 60_000 });
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await screenshot(page, 'phone-clone-dialog');
    await page.setViewportSize({ width: 1280, height: 800 });
  });
});
