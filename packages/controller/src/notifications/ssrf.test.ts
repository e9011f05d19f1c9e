import { describe, expect, it } from 'vitest';
import { checkWebhookUrl, guardedLookup, isBlockedAddress } from './ssrf.js';
import { signatureHeader, verifySignature } from './signature.js';

describe('webhook SSRF guard', () => {
  it('blocks loopback, link-local, private, CGNAT, multicast and mapped addresses', () => {
    for (const a of ['127.0.0.1', '10.0.0.5', '172.20.1.1', '192.168.0.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '::1', 'fe80::1', 'fd12::1', '::ffff:10.0.0.1']) {
      expect(isBlockedAddress(a), a).toBe(true);
    }
    for (const a of ['93.184.216.34', '8.8.8.8', '2606:4700::6810:84e5']) expect(isBlockedAddress(a), a).toBe(false);
  });

  it('refuses non-http schemes, credentials and literal private hosts unless allowed', () => {
    expect(() => checkWebhookUrl('file:///etc/passwd', true)).toThrow(/http/);
    expect(() => checkWebhookUrl('https://u:p@example.com/', false)).toThrow(/credentials/);
    expect(() => checkWebhookUrl('http://[::1]:8080/', false)).toThrow(/private/);
    expect(() => checkWebhookUrl('http://app.localhost/', false)).toThrow(/private/);
    expect(checkWebhookUrl('http://127.0.0.1:9/x', true).port).toBe('9');
    expect(checkWebhookUrl('https://hooks.example.com/x', false).hostname).toBe('hooks.example.com');
  });

  it('fails a connection whose name resolves to a private address (DNS rebinding)', async () => {
    const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => guardedLookup(false)('localhost', {}, (e) => resolve(e)));
    expect(err?.code).toBe('EBLOCKED');
    const ok = await new Promise<NodeJS.ErrnoException | null>((resolve) => guardedLookup(true)('localhost', {}, (e) => resolve(e)));
    expect(ok).toBeNull();
  });
});

describe('webhook signature', () => {
  it('verifies HMAC-SHA256 over timestamp and body, and refuses tampering and stale timestamps', () => {
    const header = signatureHeader('whsec_test', 1_700_000_000, '{"a":1}');
    expect(header).toMatch(/^t=1700000000,v1=[0-9a-f]{64}$/);
    expect(verifySignature('whsec_test', header, '{"a":1}', 1_700_000_010)).toBe(true);
    expect(verifySignature('whsec_test', header, '{"a":2}', 1_700_000_010)).toBe(false);
    expect(verifySignature('other', header, '{"a":1}', 1_700_000_010)).toBe(false);
    expect(verifySignature('whsec_test', header, '{"a":1}', 1_700_001_000)).toBe(false);
  });
});
