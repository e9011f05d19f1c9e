// Servers in separate Linux network namespaces, for suites where agent-to-agent data must cross a
// real link that a test can cut. Two Linux bridges in the root namespace, per topology K:
//
//   CONTROL  bridge oecK-c, 10.213.K.1/24 on the root side (the controller listens there);
//            each server's `ctl0` is 10.213.K.(10+i)/24.
//   DATA     bridge oecK-d, no address (agent-to-agent only, the root namespace is not on it);
//            each server's `data0` is 10.214.K.(10+i)/24.
//
// Server i (letter a, b, c…) is namespace `oec-K-<letter>` with veths `oecK-c<letter>` and
// `oecK-d<letter>` (root side) into the bridges. K is claimed with an exclusive lock file in
// /run/oec-netns (pid + start time of the owner), after checking that no interface, namespace,
// address or route already uses it, so two suites running at once never collide.
//
// No default route is set in the namespaces unless asked for: every address a server needs is on
// a connected subnet, so traffic to anything else fails at once inside the namespace instead of
// leaving through the host. Every command is an argv array (execFile / spawn), never a shell line.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { link, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server as NetServerSocket } from 'node:net';
import { join } from 'node:path';

/** Every namespace, link and lock this module makes starts with this. */
export const NETNS_PREFIX = 'oec';
const CONTROL_NET = '10.213';
const DATA_NET = '10.214';
const LOCK_DIR = '/run/oec-netns';
const RULE_COMMENT = 'oec-harness';
const MAX_SERVERS = 26;

export interface NetServer {
  /** `a`, `b`, …: the server's letter in its topology. */
  name: string;
  index: number;
  netns: string;
  /** Address on the control network (reaches the controller). */
  controlIp: string;
  /** Address on the data network (agent-to-agent traffic). */
  dataIp: string;
  /** Interface names inside the namespace. */
  controlIf: string;
  dataIf: string;
  /** argv prefix that runs a command inside the namespace: [ip, 'netns', 'exec', netns]. */
  execPrefix: string[];
  /** Take the data link down inside the namespace: agent-to-agent streams stall, control traffic goes on. */
  cutDataLink(): Promise<void>;
  /** Bring the data link back (address and subnet route included). */
  restoreDataLink(): Promise<void>;
}

export interface Topology {
  /** K: the third octet of both networks and the number in every name. */
  id: number;
  /** Root-side address of the control bridge: where the controller listens. */
  controllerHost: string;
  controlBridge: string;
  dataBridge: string;
  servers: NetServer[];
  /** Remove every namespace, veth, bridge, firewall rule and lock this topology made. Idempotent. */
  close(): Promise<void>;
}

export interface TopologyOptions {
  /** Add `default via 10.213.K.1` in each namespace (off: only the two connected subnets are reachable). */
  defaultRoute?: boolean;
  /** Prove with TCP that both networks pass traffic before returning (default true). */
  verify?: boolean;
}

// --- commands ---------------------------------------------------------------------------------

function findBinary(name: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin', '/usr/bin', '/bin'];
  for (const d of dirs) if (d && existsSync(join(d, name))) return join(d, name);
  return null;
}

let ipPath: string | null | undefined;
/** Absolute path of iproute2's `ip` (null when missing). */
export function ipBinary(): string | null {
  if (ipPath === undefined) ipPath = findBinary('ip');
  return ipPath;
}

function requireIp(): string {
  const ip = ipBinary();
  if (!ip) throw new Error('iproute2 `ip` not found');
  return ip;
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { encoding: 'utf8', timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${(stderr || err.message).trim()}`));
      else resolve(stdout);
    });
  });
}

const ip = (args: string[]) => run(requireIp(), args);

/** Run and ignore "already gone" style failures (delete paths must be idempotent). */
async function tolerant(cmd: string, args: string[]): Promise<void> {
  await run(cmd, args).catch(() => undefined);
}

// --- availability -------------------------------------------------------------------------------

let unavailable: string | null | undefined;

/**
 * Why network namespaces cannot be used here (null when they can): needs Linux, root, `ip`, and
 * the kernel letting us create a namespace, a bridge and a veth into the namespace, and exec in it.
 * Probed once per process with throwaway `oec-probe-<pid>` objects.
 */
export function netnsUnavailableReason(): string | null {
  if (unavailable !== undefined) return unavailable;
  unavailable = probe();
  return unavailable;
}

/** Root + `ip` present + a namespace (with bridge and veth) can be created. */
export function netnsAvailable(): boolean {
  return netnsUnavailableReason() === null;
}

function probe(): string | null {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  const ipCmd = ipBinary();
  if (!ipCmd) return 'iproute2 `ip` not found';
  const ns = `${NETNS_PREFIX}-probe-${process.pid}`;
  const br = `${NETNS_PREFIX}p${process.pid}`;
  const veth = `${NETNS_PREFIX}q${process.pid}`;
  const sync = (args: string[]) => execFileSync(ipCmd, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 15_000 });
  try {
    sync(['netns', 'add', ns]);
    sync(['link', 'add', br, 'type', 'bridge']);
    sync(['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    sync(['link', 'set', veth, 'master', br]);
    sync(['netns', 'exec', ns, ipCmd, '-o', 'link', 'show', 'eth0']);
    return null;
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    return `cannot create network namespaces: ${(err.stderr?.toString() || err.message).trim()}`;
  } finally {
    for (const args of [['link', 'del', veth], ['link', 'del', br], ['netns', 'del', ns]]) {
      try {
        sync(args);
      } catch {
        // not created
      }
    }
  }
}

// --- inventory ----------------------------------------------------------------------------------

async function netnsNames(): Promise<string[]> {
  const out = await ip(['netns', 'list']).catch(() => '');
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter(Boolean);
}

async function linkNames(): Promise<string[]> {
  const out = await ip(['-o', 'link', 'show']);
  const names: string[] = [];
  for (const line of out.split('\n')) {
    const m = /^\d+:\s+([^:@\s]+)/.exec(line);
    if (m?.[1]) names.push(m[1]);
  }
  return names;
}

async function netnsPids(ns: string): Promise<number[]> {
  const out = await ip(['netns', 'pids', ns]).catch(() => '');
  return out
    .split('\n')
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n) && n > 0);
}

interface Cidr {
  net: number;
  bits: number;
}

function parseCidr(s: string): Cidr | null {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)(?:\/(\d+))?$/.exec(s);
  if (!m) return null;
  const bits = m[5] === undefined ? 32 : Number(m[5]);
  const addr = ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return { net: (addr & mask) >>> 0, bits };
}

function overlaps(a: Cidr, b: Cidr): boolean {
  const bits = Math.min(a.bits, b.bits);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return ((a.net & mask) >>> 0) === ((b.net & mask) >>> 0);
}

/** Every IPv4 prefix the root namespace has as an address or (non-default) route. */
async function usedPrefixes(): Promise<Cidr[]> {
  const out: Cidr[] = [];
  const addrs = await ip(['-4', '-o', 'addr', 'show']);
  for (const m of addrs.matchAll(/\sinet\s+(\d+\.\d+\.\d+\.\d+\/\d+)/g)) {
    const c = m[1] ? parseCidr(m[1]) : null;
    if (c) out.push(c);
  }
  const routes = await ip(['-4', 'route', 'show', 'table', 'all']).catch(() => '');
  for (const line of routes.split('\n')) {
    const first = line.trim().split(/\s+/);
    const dest = ['local', 'broadcast', 'unicast', 'blackhole', 'unreachable', 'prohibit'].includes(first[0] ?? '') ? first[1] : first[0];
    if (!dest || dest === 'default') continue;
    const c = parseCidr(dest);
    if (c && c.bits > 0) out.push(c);
  }
  return out;
}

// --- locks (claim of K) ----------------------------------------------------------------------

function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start at state (field 3).
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19] ?? null; // field 22: starttime
  } catch {
    return null;
  }
}

const lockPath = (k: number) => join(LOCK_DIR, String(k));

async function lockOwnerAlive(k: number): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(lockPath(k), 'utf8');
  } catch {
    return false;
  }
  const [pid, start] = text.trim().split(/\s+/);
  const n = Number(pid);
  if (!Number.isInteger(n) || n <= 0) return false;
  const actual = processStart(n);
  return actual !== null && actual === start;
}

/**
 * The claim that makes K ours: the lock file is written aside, then hard-linked into place, which
 * fails if it exists. Nobody ever sees it empty (an empty lock would look like a dead owner's).
 */
async function tryLock(k: number): Promise<boolean> {
  await mkdir(LOCK_DIR, { recursive: true });
  const tmp = join(LOCK_DIR, `.tmp-${process.pid}-${k}`);
  await writeFile(tmp, `${process.pid} ${processStart(process.pid) ?? ''}\n`);
  try {
    await link(tmp, lockPath(k));
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    await rm(tmp, { force: true });
  }
}

// --- firewall -----------------------------------------------------------------------------------

/**
 * With br_netfilter loaded (bridge-nf-call-iptables = 1), bridged frames go through iptables'
 * FORWARD chain, whose policy is DROP on hosts running dockerd; a host firewall may also drop
 * INPUT. We add ACCEPT rules naming only our bridges (removed at close). Without `iptables` on the
 * host there is nothing to open; the TCP verification at creation reports a blocked network.
 */
function firewallRules(k: number): string[][] {
  const c = `${NETNS_PREFIX}${k}-c`;
  const d = `${NETNS_PREFIX}${k}-d`;
  const tag = ['-m', 'comment', '--comment', RULE_COMMENT, '-j', 'ACCEPT'];
  return [
    ['FORWARD', '-i', d, '-o', d, ...tag],
    ['FORWARD', '-i', c, '-o', c, ...tag],
    ['INPUT', '-i', c, ...tag],
  ];
}

async function openFirewall(k: number): Promise<string[][]> {
  const iptables = findBinary('iptables');
  if (!iptables) return [];
  const added: string[][] = [];
  for (const rule of firewallRules(k)) {
    const [chain, ...spec] = rule;
    try {
      await run(iptables, ['-w', '-I', chain!, '1', ...spec]);
      added.push(rule);
    } catch {
      // no filter table or not allowed: nothing to open (verification tells if traffic is blocked)
    }
  }
  return added;
}

async function closeFirewall(rules: string[][]): Promise<void> {
  const iptables = findBinary('iptables');
  if (!iptables) return;
  for (const [chain, ...spec] of rules) await tolerant(iptables, ['-w', '-D', chain!, ...spec]);
}

/** Our rules (by comment) that name a topology's bridges, from `iptables -S`. */
async function staleFirewallRules(k: number): Promise<string[][]> {
  const iptables = findBinary('iptables');
  if (!iptables) return [];
  const out = await run(iptables, ['-w', '-S']).catch(() => '');
  const rules: string[][] = [];
  for (const line of out.split('\n')) {
    if (!line.startsWith('-A ') || !line.includes(RULE_COMMENT)) continue;
    const words = line.trim().split(/\s+/).slice(1);
    if (words.some((w) => w === `${NETNS_PREFIX}${k}-c` || w === `${NETNS_PREFIX}${k}-d`)) rules.push(words);
  }
  return rules;
}

function bridgeNetfilterOn(): boolean {
  try {
    return readFileSync('/proc/sys/net/bridge/bridge-nf-call-iptables', 'utf8').trim() === '1';
  } catch {
    return false;
  }
}

// --- stale leftovers ----------------------------------------------------------------------------

const NS_RE = new RegExp(`^${NETNS_PREFIX}-(\\d+)-[a-z]$`);
const LINK_RE = new RegExp(`^${NETNS_PREFIX}(\\d+)-[cd][a-z]?$`);
const PROBE_NS_RE = new RegExp(`^${NETNS_PREFIX}-probe-(\\d+)$`);
const PROBE_LINK_RE = new RegExp(`^${NETNS_PREFIX}[pq](\\d+)$`);

function pidAlive(pid: number): boolean {
  return processStart(pid) !== null;
}

/**
 * Delete what a crashed earlier run left behind: topologies whose lock owner is gone and none of
 * whose namespaces has a process in it, and probe objects of dead processes. Anything in use (a
 * live owner, or a process inside a namespace) is left alone. Returns the names removed.
 */
export async function removeStaleTopologies(): Promise<string[]> {
  if (!netnsAvailable()) return [];
  const namespaces = await netnsNames();
  const links = await linkNames();
  const locks = await readdir(LOCK_DIR).catch(() => [] as string[]);
  const removed: string[] = [];

  const ids = new Set<number>();
  for (const n of namespaces) if (NS_RE.exec(n)) ids.add(Number(NS_RE.exec(n)![1]));
  for (const l of links) if (LINK_RE.exec(l)) ids.add(Number(LINK_RE.exec(l)![1]));
  for (const f of locks) if (/^\d+$/.test(f)) ids.add(Number(f));
  // Temp files of a claim interrupted by a crash.
  for (const f of locks) {
    const m = /^\.tmp-(\d+)-\d+$/.exec(f);
    if (m && !pidAlive(Number(m[1]))) await rm(join(LOCK_DIR, f), { force: true });
  }

  for (const k of ids) {
    if (await lockOwnerAlive(k)) continue;
    const myNs = namespaces.filter((n) => NS_RE.exec(n)?.[1] === String(k));
    let inUse = false;
    for (const n of myNs) if ((await netnsPids(n)).length > 0) inUse = true;
    if (inUse) continue;
    await closeFirewall(await staleFirewallRules(k));
    for (const n of myNs) {
      await tolerant(requireIp(), ['netns', 'del', n]);
      removed.push(n);
    }
    // veths first (their bridges after): deleting one end of a veth deletes both.
    const myLinks = links.filter((l) => LINK_RE.exec(l)?.[1] === String(k)).sort((a, b) => b.length - a.length);
    for (const l of myLinks) {
      await tolerant(requireIp(), ['link', 'del', l]);
      removed.push(l);
    }
    await rm(lockPath(k), { force: true });
  }

  for (const n of namespaces) {
    const m = PROBE_NS_RE.exec(n);
    if (m && !pidAlive(Number(m[1])) && (await netnsPids(n)).length === 0) {
      await tolerant(requireIp(), ['netns', 'del', n]);
      removed.push(n);
    }
  }
  for (const l of links) {
    const m = PROBE_LINK_RE.exec(l);
    if (m && !pidAlive(Number(m[1]))) {
      await tolerant(requireIp(), ['link', 'del', l]);
      removed.push(l);
    }
  }
  return removed;
}

// --- creation -----------------------------------------------------------------------------------

async function claimId(): Promise<number> {
  const used = await usedPrefixes();
  const namespaces = await netnsNames();
  const links = await linkNames();
  const start = 1 + Math.floor(Math.random() * 250);
  for (let i = 0; i < 254; i++) {
    const k = ((start - 1 + i) % 254) + 1;
    const nets = [parseCidr(`${CONTROL_NET}.${k}.0/24`)!, parseCidr(`${DATA_NET}.${k}.0/24`)!];
    if (used.some((u) => nets.some((n) => overlaps(u, n)))) continue;
    if (namespaces.some((n) => n.startsWith(`${NETNS_PREFIX}-${k}-`))) continue;
    if (links.some((l) => l.startsWith(`${NETNS_PREFIX}${k}-`))) continue;
    if (await tryLock(k)) return k;
  }
  throw new Error(`no free topology id: every 10.213.K.0/24 / 10.214.K.0/24 is in use or locked in ${LOCK_DIR}`);
}

/**
 * Create `count` servers (1–26), each in its own namespace on both networks. Removes stale
 * leftovers of crashed runs first. Close it after the processes inside are stopped.
 */
export async function createTopology(count: number, opts: TopologyOptions = {}): Promise<Topology> {
  const reason = netnsUnavailableReason();
  if (reason) throw new Error(reason);
  if (!Number.isInteger(count) || count < 1 || count > MAX_SERVERS) throw new Error(`topology size must be 1..${MAX_SERVERS}`);
  await removeStaleTopologies();
  const k = await claimId();
  const ipCmd = requireIp();
  const controlBridge = `${NETNS_PREFIX}${k}-c`;
  const dataBridge = `${NETNS_PREFIX}${k}-d`;
  const controllerHost = `${CONTROL_NET}.${k}.1`;
  const namespaces: string[] = [];
  const links: string[] = [];
  let rules: string[][] = [];
  let closing: Promise<void> | undefined;

  const close = () => {
    closing ??= (async () => {
      await closeFirewall(rules);
      for (const ns of namespaces) await tolerant(ipCmd, ['netns', 'del', ns]);
      // Deleting the root end of a veth removes both ends, even if a process keeps its namespace alive.
      for (const l of [...links].reverse()) await tolerant(ipCmd, ['link', 'del', l]);
      await rm(lockPath(k), { force: true });
    })();
    return closing;
  };

  try {
    for (const br of [controlBridge, dataBridge]) {
      await ip(['link', 'add', br, 'type', 'bridge']);
      links.push(br);
    }
    await ip(['addr', 'add', `${controllerHost}/24`, 'dev', controlBridge]);
    for (const br of [controlBridge, dataBridge]) await ip(['link', 'set', br, 'up']);
    rules = await openFirewall(k);

    const servers: NetServer[] = [];
    for (let i = 0; i < count; i++) {
      const letter = String.fromCharCode(97 + i);
      const ns = `${NETNS_PREFIX}-${k}-${letter}`;
      const controlIp = `${CONTROL_NET}.${k}.${10 + i}`;
      const dataIp = `${DATA_NET}.${k}.${10 + i}`;
      await ip(['netns', 'add', ns]);
      namespaces.push(ns);
      await ip(['-n', ns, 'link', 'set', 'lo', 'up']);
      for (const [rootIf, nsIf, bridge, addr] of [
        [`${NETNS_PREFIX}${k}-c${letter}`, 'ctl0', controlBridge, controlIp],
        [`${NETNS_PREFIX}${k}-d${letter}`, 'data0', dataBridge, dataIp],
      ] as const) {
        await ip(['link', 'add', rootIf, 'type', 'veth', 'peer', 'name', nsIf, 'netns', ns]);
        links.push(rootIf);
        await ip(['link', 'set', rootIf, 'master', bridge]);
        await ip(['link', 'set', rootIf, 'up']);
        await ip(['-n', ns, 'addr', 'add', `${addr}/24`, 'dev', nsIf]);
        await ip(['-n', ns, 'link', 'set', nsIf, 'up']);
      }
      if (opts.defaultRoute) await ip(['-n', ns, 'route', 'add', 'default', 'via', controllerHost, 'dev', 'ctl0']);
      servers.push(makeServer(ns, letter, i, controlIp, dataIp, `${DATA_NET}.${k}.0/24`, ipCmd));
    }

    const topology: Topology = { id: k, controllerHost, controlBridge, dataBridge, servers, close };
    if (opts.verify ?? true) await verifyTopology(topology);
    return topology;
  } catch (e) {
    await close();
    throw e;
  }
}

function makeServer(ns: string, name: string, index: number, controlIp: string, dataIp: string, dataNet: string, ipCmd: string): NetServer {
  return {
    name,
    index,
    netns: ns,
    controlIp,
    dataIp,
    controlIf: 'ctl0',
    dataIf: 'data0',
    execPrefix: [ipCmd, 'netns', 'exec', ns],
    async cutDataLink() {
      await ip(['-n', ns, 'link', 'set', 'data0', 'down']);
    },
    async restoreDataLink() {
      await ip(['-n', ns, 'link', 'set', 'data0', 'up']);
      const addrs = await ip(['-n', ns, '-4', '-o', 'addr', 'show', 'dev', 'data0']);
      if (!addrs.includes(` ${dataIp}/`)) await ip(['-n', ns, 'addr', 'add', `${dataIp}/24`, 'dev', 'data0']);
      const routes = await ip(['-n', ns, '-4', 'route', 'show', 'dev', 'data0']);
      if (!routes.split('\n').some((l) => l.startsWith(`${dataNet} `))) {
        await ip(['-n', ns, 'route', 'add', dataNet, 'dev', 'data0', 'src', dataIp]).catch((e: Error) => {
          if (!/File exists/.test(e.message)) throw e;
        });
      }
    },
  };
}

// --- TCP probes (inside namespaces) --------------------------------------------------------------

const LISTEN_SCRIPT = `
const net = require('node:net');
const [host, port] = process.argv.slice(1);
const srv = net.createServer((s) => { s.on('error', () => {}); s.pipe(s); });
srv.listen(Number(port), host, () => process.stdout.write('listening ' + srv.address().port + '\\n'));
srv.on('error', (e) => { process.stderr.write(String(e.code || e.message) + '\\n'); process.exit(3); });
process.on('SIGTERM', () => process.exit(0));
`;

const CONNECT_SCRIPT = `
const net = require('node:net');
const [host, port, timeout, echo] = process.argv.slice(1);
const token = 'oec-probe-' + process.pid;
const s = net.connect(Number(port), host);
const done = (word, code) => { process.stdout.write(word + '\\n'); process.exit(code); };
s.setTimeout(Number(timeout), () => done('TIMEOUT', 2));
let got = '';
s.on('connect', () => (echo === '1' ? s.write(token) : done('OK', 0)));
s.on('data', (d) => { got += d; if (got === token) done('OK', 0); });
s.on('error', (e) => done(String(e.code || e.message), 1));
s.on('close', () => done('CLOSED', 4));
`;

export interface NsListener {
  port: number;
  /** The listener process (null for a listener in this process). */
  proc: ChildProcess | null;
  stop(): Promise<void>;
}

/**
 * A TCP echo server on host:port inside a namespace (port 0: any); resolves once it listens.
 * With `ns` null, a server in this process's (root) namespace.
 */
export async function listenEcho(ns: string | null, host: string, port = 0): Promise<NsListener> {
  if (ns === null) {
    const srv: NetServerSocket = createServer((s) => {
      s.on('error', () => undefined);
      s.pipe(s);
    });
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(port, host, () => resolve());
    });
    const addr = srv.address();
    return {
      port: typeof addr === 'object' && addr ? addr.port : port,
      proc: null,
      stop: () => new Promise<void>((resolve) => srv.close(() => resolve())),
    };
  }
  const proc = spawn(requireIp(), ['netns', 'exec', ns, process.execPath, '-e', LISTEN_SCRIPT, host, String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const bound = await new Promise<number>((resolve, reject) => {
    let out = '';
    let err = '';
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    proc.once('error', reject);
    proc.once('exit', (code) => reject(new Error(`listener in ${ns} exited ${code}: ${err.trim()}`)));
  });
  return {
    port: bound,
    proc,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * Open a TCP connection from inside a namespace and (by default) exchange a token with an echo
 * server (listenEcho); with `echo: false`, a completed TCP handshake is enough (any server, e.g.
 * an agent's peer port). Resolves 'OK', 'TIMEOUT' (no answer within timeoutMs), 'CLOSED' (the
 * server hung up before echoing) or the error code (ENETUNREACH, ECONNREFUSED, …).
 */
export function probeTcp(ns: string, host: string, port: number, timeoutMs = 5_000, opts: { echo?: boolean } = {}): Promise<string> {
  const echo = (opts.echo ?? true) ? '1' : '0';
  return new Promise((resolve, reject) => {
    const args = ['netns', 'exec', ns, process.execPath, '-e', CONNECT_SCRIPT, host, String(port), String(timeoutMs), echo];
    const proc = spawn(requireIp(), args, {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    proc.once('error', reject);
    proc.once('exit', (code) => {
      const word = out.trim().split('\n').pop() ?? '';
      if (word) resolve(word);
      else reject(new Error(`probe in ${ns} exited ${code}: ${err.trim()}`));
    });
  });
}

/**
 * TCP from the first namespace to the controller address (control network) and, with two or more
 * servers, to the second namespace's data address (data network). Throws with a hint when blocked.
 */
export async function verifyTopology(t: Topology): Promise<void> {
  const first = t.servers[0];
  if (!first) return;
  const hint = bridgeNetfilterOn()
    ? ' (br_netfilter is loaded: bridged traffic goes through iptables/nftables FORWARD; a DROP policy there blocks it)'
    : '';
  const control = await listenEcho(null, t.controllerHost);
  try {
    const r = await probeTcp(first.netns, t.controllerHost, control.port, 10_000);
    if (r !== 'OK') throw new Error(`topology ${t.id}: ${first.netns} cannot reach ${t.controllerHost} over the control network: ${r}${hint}`);
  } finally {
    await control.stop();
  }
  const second = t.servers[1];
  if (!second) return;
  const data = await listenEcho(second.netns, second.dataIp);
  try {
    const r = await probeTcp(first.netns, second.dataIp, data.port, 10_000);
    if (r !== 'OK') throw new Error(`topology ${t.id}: ${first.netns} cannot reach ${second.dataIp} over the data network: ${r}${hint}`);
  } finally {
    await data.stop();
  }
}

/** Names of every namespace and link with our prefix (for tests that check nothing is left behind). */
export async function listNetnsObjects(): Promise<{ namespaces: string[]; links: string[] }> {
  const namespaces = (await netnsNames()).filter((n) => NS_RE.test(n) || PROBE_NS_RE.test(n));
  const links = (await linkNames()).filter((l) => LINK_RE.test(l) || PROBE_LINK_RE.test(l));
  return { namespaces, links };
}
