// Leftovers of crashed runs: topologies whose lock owner is gone, probe objects of dead processes.
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { netnsAvailable } from './availability.js';
import { requireIp, tolerant } from './commands.js';
import { closeFirewall, staleFirewallRules } from './firewall.js';
import { linkNames, netnsNames, netnsPids } from './inventory.js';
import { lockOwnerAlive, pidAlive, releaseLock } from './lock.js';
import { LINK_RE, LOCK_DIR, NS_RE, PROBE_LINK_RE, PROBE_NS_RE } from './names.js';

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
    await releaseLock(k);
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

/** Names of every namespace and link with our prefix (for tests that check nothing is left behind). */
export async function listNetnsObjects(): Promise<{ namespaces: string[]; links: string[] }> {
  const namespaces = (await netnsNames()).filter((n) => NS_RE.test(n) || PROBE_NS_RE.test(n));
  const links = (await linkNames()).filter((l) => LINK_RE.test(l) || PROBE_LINK_RE.test(l));
  return { namespaces, links };
}
