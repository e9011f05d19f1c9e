import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/peer.js';
import { ensurePeerIdentity, fingerprintOf, opensslArgv } from './tls.js';

describe('peer TLS identity', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });
  async function dataDir(): Promise<string> {
    const d = await tempDir('tls');
    dirs.push(d);
    return d;
  }

  it('is made once per data dir and reused afterwards', async () => {
    const dir = await dataDir();
    const first = await ensurePeerIdentity(dir, 'server-a', process.env);
    const again = await ensurePeerIdentity(dir, 'server-a', process.env);
    expect(again.fingerprint).toBe(first.fingerprint);
    expect(again.cert).toBe(first.cert);
    expect(again.key).toBe(first.key);
    // No temporary files left beside the identity.
    expect((await readdir(join(dir, 'peer-tls'))).sort()).toEqual(['cert.pem', 'key.pem']);

    const other = await ensurePeerIdentity(await dataDir(), 'server-a', process.env);
    expect(other.fingerprint).not.toBe(first.fingerprint);
  });

  it('keeps the private key readable by its owner only', async () => {
    const dir = await dataDir();
    await ensurePeerIdentity(dir, 'server-a', process.env);
    expect((await stat(join(dir, 'peer-tls', 'key.pem'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'peer-tls'))).mode & 0o077).toBe(0);
  });

  it('pins the sha256 fingerprint of its certificate, which matches its key', async () => {
    const id = await ensurePeerIdentity(await dataDir(), 'server-a', process.env);
    const cert = new X509Certificate(id.cert);
    expect(id.fingerprint).toBe(cert.fingerprint256);
    expect(fingerprintOf(id.cert)).toBe(cert.fingerprint256);
    expect(id.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(cert.checkPrivateKey(createPrivateKey(id.key))).toBe(true);
    expect(cert.subject).toBe('CN=server-a');
  });

  it('builds the openssl argv with the common name reduced to safe characters', () => {
    expect(opensslArgv('/d/key.tmp', '/d/cert.tmp', 'srv-1.example')).toEqual([
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-days', '3650', '-subj', '/CN=srv-1.example', '-keyout', '/d/key.tmp', '-out', '/d/cert.tmp',
    ]);
    // A name cannot add subject fields or options: `/`, `=`, `,`, spaces and the like are replaced.
    const argv = opensslArgv('/d/k', '/d/c', 'x/O=evil,CN=a b;$(id) -config /etc/x');
    expect(argv[argv.indexOf('-subj') + 1]).toBe('/CN=x-O-evil-CN-a-b---id---config--etc-x');
    expect(argv).toHaveLength(15);
    expect(opensslArgv('/d/k', '/d/c', 'a'.repeat(100))[10]).toBe(`/CN=${'a'.repeat(60)}`);
  });
});
