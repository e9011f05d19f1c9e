// Servers in separate Linux network namespaces, for suites where agent-to-agent data must cross a
// real link that a test can cut. Two Linux bridges in the root namespace, per topology K:
//
//   CONTROL  bridge oecK-c, 10.213.K.1/24 on the root side (the controller listens there);
//            each server's `ctl0` is 10.213.K.(10+i)/24.
//   DATA     bridge oecK-d, no address (agent-to-agent only, the root namespace is not on it);
//            each server's `data0` is 10.214.K.(10+i)/24.
//
// Server i (letter a, b, c…) is namespace `oec-K-<letter>` with veths `oecK-c<letter>` and
// `oecK-d<letter>` (root side) into the bridges. K is claimed with a lock file (lock.ts) after
// checking that no interface, namespace, address or route already uses it, so two suites running
// at once never collide.
//
// No default route is set in the namespaces unless asked for: every address a server needs is on
// a connected subnet, so traffic to anything else fails at once inside the namespace instead of
// leaving through the host.
import { netnsUnavailableReason } from './availability.js';
import { ip, requireIp, tolerant } from './commands.js';
import { bridgeNetfilterOn, closeFirewall, openFirewall } from './firewall.js';
import { linkNames, netnsNames, overlaps, parseCidr, usedPrefixes } from './inventory.js';
import { releaseLock, tryLock } from './lock.js';
import { CONTROL_NET, controlBridgeName, DATA_NET, dataBridgeName, LOCK_DIR, NETNS_PREFIX } from './names.js';
import { makeServer, type NetServer } from './server.js';
import { removeStaleTopologies } from './stale.js';
import { listenEcho, probeTcp } from './tcp-probe.js';

const MAX_SERVERS = 26;

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
  /** Add `default via 10.213.K.1` in each namespace (off: only the two connected subnets answer). */
  defaultRoute?: boolean;
  /** Prove with TCP that both networks pass traffic before returning (default true). */
  verify?: boolean;
}

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
  const controlBridge = controlBridgeName(k);
  const dataBridge = dataBridgeName(k);
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
      await releaseLock(k);
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
        [`${controlBridge}${letter}`, 'ctl0', controlBridge, controlIp],
        [`${dataBridge}${letter}`, 'data0', dataBridge, dataIp],
      ] as const) {
        await ip(['link', 'add', rootIf, 'type', 'veth', 'peer', 'name', nsIf, 'netns', ns]);
        links.push(rootIf);
        await ip(['link', 'set', rootIf, 'master', bridge]);
        await ip(['link', 'set', rootIf, 'up']);
        await ip(['-n', ns, 'addr', 'add', `${addr}/24`, 'dev', nsIf]);
        await ip(['-n', ns, 'link', 'set', nsIf, 'up']);
      }
      if (opts.defaultRoute) await ip(['-n', ns, 'route', 'add', 'default', 'via', controllerHost, 'dev', 'ctl0']);
      servers.push(makeServer({ ns, name: letter, index: i, controlIp, dataIp, dataNet: `${DATA_NET}.${k}.0/24`, ipCmd }));
    }

    const topology: Topology = { id: k, controllerHost, controlBridge, dataBridge, servers, close };
    if (opts.verify ?? true) await verifyTopology(topology);
    return topology;
  } catch (e) {
    await close();
    throw e;
  }
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
  const reach = async (ns: string, host: string, port: number, network: string) => {
    const r = await probeTcp(ns, host, port, 10_000);
    if (r !== 'OK') throw new Error(`topology ${t.id}: ${ns} cannot reach ${host} over the ${network} network: ${r}${hint}`);
  };
  const control = await listenEcho(null, t.controllerHost);
  try {
    await reach(first.netns, t.controllerHost, control.port, 'control');
  } finally {
    await control.stop();
  }
  const second = t.servers[1];
  if (!second) return;
  const data = await listenEcho(second.netns, second.dataIp);
  try {
    await reach(first.netns, second.dataIp, data.port, 'data');
  } finally {
    await data.stop();
  }
}
