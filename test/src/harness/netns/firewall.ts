// ACCEPT rules for a topology's bridges, tagged with a comment so a crashed run's rules can be
// found again and removed.
//
// With br_netfilter loaded (bridge-nf-call-iptables = 1), bridged frames go through iptables'
// FORWARD chain, whose policy is DROP on hosts running dockerd; a host firewall may also drop
// INPUT. We add ACCEPT rules naming only our bridges (removed at close). Without `iptables` on the
// host there is nothing to open; the TCP verification at creation reports a blocked network.
import { readFileSync } from 'node:fs';
import { findBinary } from '../exec-file.js';
import { run, tolerant } from './commands.js';
import { controlBridgeName, dataBridgeName, RULE_COMMENT } from './names.js';

function firewallRules(k: number): string[][] {
  const c = controlBridgeName(k);
  const d = dataBridgeName(k);
  const tag = ['-m', 'comment', '--comment', RULE_COMMENT, '-j', 'ACCEPT'];
  return [
    ['FORWARD', '-i', d, '-o', d, ...tag],
    ['FORWARD', '-i', c, '-o', c, ...tag],
    ['INPUT', '-i', c, ...tag],
  ];
}

/** Insert topology K's rules; returns those added (what closeFirewall takes back). */
export async function openFirewall(k: number): Promise<string[][]> {
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

export async function closeFirewall(rules: string[][]): Promise<void> {
  const iptables = findBinary('iptables');
  if (!iptables) return;
  for (const [chain, ...spec] of rules) await tolerant(iptables, ['-w', '-D', chain!, ...spec]);
}

/** Our rules (by comment) that name a topology's bridges, from `iptables -S`. */
export async function staleFirewallRules(k: number): Promise<string[][]> {
  const iptables = findBinary('iptables');
  if (!iptables) return [];
  const out = await run(iptables, ['-w', '-S']).catch(() => '');
  const rules: string[][] = [];
  for (const line of out.split('\n')) {
    if (!line.startsWith('-A ') || !line.includes(RULE_COMMENT)) continue;
    const words = line.trim().split(/\s+/).slice(1);
    if (words.some((w) => w === controlBridgeName(k) || w === dataBridgeName(k))) rules.push(words);
  }
  return rules;
}

export function bridgeNetfilterOn(): boolean {
  try {
    return readFileSync('/proc/sys/net/bridge/bridge-nf-call-iptables', 'utf8').trim() === '1';
  } catch {
    return false;
  }
}
