// The peer endpoint's TLS identity: a self-signed certificate made once per data dir with the
// system's openssl (argv, no shell) and kept under `<data>/peer-tls` (key 0600). Peers do not
// trust a CA: the controller hands the source the target's certificate and its sha256 fingerprint,
// and the source accepts exactly that certificate (see client.ts).
import { X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { collect, spawnProcess } from '../exec/run.js';

export interface PeerIdentity {
  key: string;
  cert: string;
  /** `AB:CD:…` (sha256 of the DER), what peers pin. */
  fingerprint: string;
}

export function opensslArgv(keyPath: string, certPath: string, commonName: string): string[] {
  return [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-days', '3650', '-subj', `/CN=${commonName.replace(/[^A-Za-z0-9.-]/g, '-').slice(0, 60)}`,
    '-keyout', keyPath, '-out', certPath,
  ];
}

/** Load the identity of this data dir, creating it on first use. */
export async function ensurePeerIdentity(dataDir: string, commonName: string, env: NodeJS.ProcessEnv): Promise<PeerIdentity> {
  const dir = join(dataDir, 'peer-tls');
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  const existing = await load(keyPath, certPath);
  if (existing) return existing;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmpKey = `${keyPath}.tmp`;
  const tmpCert = `${certPath}.tmp`;
  await rm(tmpKey, { force: true });
  await collect(spawnProcess('openssl', 'openssl', opensslArgv(tmpKey, tmpCert, commonName), { signal: AbortSignal.timeout(60_000), env }));
  await chmod(tmpKey, 0o600);
  // The certificate lands last: a crash in between leaves no half identity behind.
  await rename(tmpKey, keyPath);
  await rename(tmpCert, certPath);
  const made = await load(keyPath, certPath);
  if (!made) throw new Error(`openssl did not produce a usable certificate in ${dir}`);
  return made;
}

async function load(keyPath: string, certPath: string): Promise<PeerIdentity | null> {
  try {
    const [key, cert] = await Promise.all([readFile(keyPath, 'utf8'), readFile(certPath, 'utf8')]);
    return { key, cert, fingerprint: fingerprintOf(cert) };
  } catch {
    return null;
  }
}

export function fingerprintOf(pem: string): string {
  return new X509Certificate(pem).fingerprint256;
}
