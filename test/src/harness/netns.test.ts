// Self-test of the network-namespace topology. Needs root (and a kernel that lets us create
// namespaces, bridges and veths); skipped with the reason otherwise.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTopology,
  ipBinary,
  listenEcho,
  listNetnsObjects,
  netnsUnavailableReason,
  probeTcp,
  removeStaleTopologies,
  type NsListener,
  type Topology,
} from './netns.js';
import { spawnDaemon } from './processes.js';
import { waitFor } from './wait.js';

const netnsReason = netnsUnavailableReason();
if (netnsReason) console.warn(`netns harness tests skipped: ${netnsReason}`);

const LIMIT = { timeoutMs: 60_000, intervalMs: 250 };

function namesOf(t: Topology): string[] {
  const links = [t.controlBridge, t.dataBridge];
  for (const s of t.servers) links.push(`oec${t.id}-c${s.name}`, `oec${t.id}-d${s.name}`);
  return [...links, ...t.servers.map((s) => s.netns)];
}

async function leftovers(t: Topology): Promise<string[]> {
  const { namespaces, links } = await listNetnsObjects();
  const mine = new Set(namesOf(t));
  return [...namespaces, ...links].filter((n) => mine.has(n));
}

/** A long-lived TCP client in a namespace: lines on stdin go to the server, echoes come back on stdout. */
function streamClient(ns: string, host: string, port: number): { proc: ChildProcessWithoutNullStreams; received: () => string } {
  const script = `
const s = require('node:net').connect(Number(process.argv[2]), process.argv[1]);
s.on('connect', () => process.stdout.write('CONNECTED\\n'));
s.on('data', (d) => process.stdout.write(d));
s.on('error', (e) => { process.stdout.write('ERROR ' + e.code + '\\n'); process.exit(1); });
process.stdin.on('data', (d) => s.write(d));
`;
  const proc = spawn(ipBinary()!, ['netns', 'exec', ns, process.execPath, '-e', script, host, String(port)]);
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return { proc, received: () => out };
}

describe.skipIf(netnsReason !== null)('network topology (netns)', () => {
  let topo: Topology;
  let dataEcho: NsListener | undefined;
  let controlEcho: NsListener | undefined;

  beforeAll(async () => {
    topo = await createTopology(2);
  });

  afterAll(async () => {
    await dataEcho?.stop();
    await controlEcho?.stop();
    await topo?.close();
  });

  it('names and addresses follow the plan', () => {
    const [a, b] = topo.servers;
    expect(topo.controllerHost).toBe(`10.213.${topo.id}.1`);
    expect(a?.netns).toBe(`oec-${topo.id}-a`);
    expect(b?.dataIp).toBe(`10.214.${topo.id}.11`);
    expect(a?.controlIp).toBe(`10.213.${topo.id}.10`);
    for (const n of namesOf(topo)) expect(n.length).toBeLessThanOrEqual(15);
  });

  it('TCP crosses the data bridge; a cut data link fails it while control traffic goes on; restore brings it back', async () => {
    const [a, b] = topo.servers as [Topology['servers'][0], Topology['servers'][0]];
    dataEcho = await listenEcho(b.netns, b.dataIp);
    controlEcho = await listenEcho(null, topo.controllerHost);
    expect(await probeTcp(a.netns, b.dataIp, dataEcho.port)).toBe('OK');
    expect(await probeTcp(a.netns, topo.controllerHost, controlEcho.port)).toBe('OK');
    expect(await probeTcp(a.netns, b.dataIp, dataEcho.port, 5_000, { echo: false })).toBe('OK');
    // Namespaces are separate: B's echo port is not on A's own loopback.
    expect(await probeTcp(a.netns, '127.0.0.1', dataEcho.port)).toBe('ECONNREFUSED');

    await a.cutDataLink();
    // A new connection from the cut side fails (no route) or gets no answer.
    expect(await probeTcp(a.netns, b.dataIp, dataEcho.port, 5_000)).not.toBe('OK');
    // The other side cannot reach A either.
    const echoA = await listenEcho(a.netns, '0.0.0.0');
    try {
      expect(await probeTcp(b.netns, a.dataIp, echoA.port, 5_000)).not.toBe('OK');
      expect(await probeTcp(a.netns, topo.controllerHost, controlEcho.port)).toBe('OK');
      expect(await probeTcp(b.netns, topo.controllerHost, controlEcho.port)).toBe('OK');

      await a.restoreDataLink();
      await waitFor(async () => (await probeTcp(a.netns, b.dataIp, dataEcho!.port, 5_000)) === 'OK', { ...LIMIT, what: 'A→B after restore' });
      await waitFor(async () => (await probeTcp(b.netns, a.dataIp, echoA.port, 5_000)) === 'OK', { ...LIMIT, what: 'B→A after restore' });
    } finally {
      await echoA.stop();
    }
  });

  it('an established stream stalls while the link is cut and resumes after restore', async () => {
    const [a, b] = topo.servers as [Topology['servers'][0], Topology['servers'][0]];
    const echo = await listenEcho(b.netns, b.dataIp);
    const client = streamClient(a.netns, b.dataIp, echo.port);
    try {
      await waitFor(() => client.received().includes('CONNECTED'), { ...LIMIT, what: 'stream connected' });
      client.proc.stdin.write('one\n');
      await waitFor(() => client.received().includes('one\n'), { ...LIMIT, what: 'first echo' });

      await a.cutDataLink();
      client.proc.stdin.write('two\n');
      // Prove the link is down before looking: a fresh connection fails.
      expect(await probeTcp(a.netns, b.dataIp, echo.port, 5_000)).not.toBe('OK');
      // While it is down nothing can cross it, so the echo cannot have come back.
      expect(client.received()).not.toContain('two\n');
      expect(client.received()).not.toContain('ERROR');

      await b.cutDataLink(); // cutting and restoring the other side too is harmless
      await b.restoreDataLink();
      await a.restoreDataLink();
      // TCP retransmits: the same connection delivers once the link is back.
      await waitFor(() => client.received().includes('two\n'), { ...LIMIT, what: 'echo after restore' });
    } finally {
      client.proc.kill('SIGKILL');
      await echo.stop();
    }
  });

  it('spawnDaemon with the namespace prefix runs node itself inside the namespace; stop() ends it', async () => {
    const [a] = topo.servers as [Topology['servers'][0]];
    const dir = await mkdtemp(join(tmpdir(), 'oec-netns-daemon-'));
    try {
      const main = join(dir, 'main.cjs');
      await writeFile(
        main,
        `console.log(JSON.stringify({ msg: 'ready', pid: process.pid }));
process.on('SIGTERM', () => { console.log(JSON.stringify({ msg: 'bye' })); process.exit(0); });
setInterval(() => {}, 1000);
`,
      );
      const daemon = spawnDaemon(main, { name: 'ns-daemon', env: {}, prefix: a.execPrefix });
      const ready = await daemon.waitForLog('ready');
      expect(ready.pid).toBe(daemon.proc.pid);
      const pids = await new Promise<string>((resolve) => {
        const p = spawn(ipBinary()!, ['netns', 'pids', a.netns]);
        let out = '';
        p.stdout.on('data', (d: Buffer) => (out += d.toString()));
        p.on('close', () => resolve(out));
      });
      expect(pids.split('\n').map(Number)).toContain(daemon.proc.pid);
      await daemon.stop();
      expect(await daemon.exited).toBe(0);
      expect(daemon.logs.some((l) => l.msg === 'bye')).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('removeStaleTopologies removes a topology whose owner is gone and leaves live ones', async () => {
    const orphan = await createTopology(1, { verify: false });
    // Pretend its owner crashed: a lock naming a process that does not exist.
    await writeFile(`/run/oec-netns/${orphan.id}`, '999999999 0\n');
    const removed = await removeStaleTopologies();
    expect(removed).toEqual(expect.arrayContaining([orphan.servers[0]!.netns, orphan.dataBridge, orphan.controlBridge]));
    expect(await leftovers(orphan)).toEqual([]);
    await orphan.close(); // tolerant of already-gone objects
    // Ours is still whole.
    expect(await leftovers(topo)).toHaveLength(namesOf(topo).length);
  });

  it('close() removes every namespace and link it made, and is idempotent', async () => {
    await dataEcho?.stop();
    await controlEcho?.stop();
    dataEcho = controlEcho = undefined;
    await topo.close();
    await topo.close();
    expect(await leftovers(topo)).toEqual([]);
  });
});
