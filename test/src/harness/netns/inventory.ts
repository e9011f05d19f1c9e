// What the root namespace already has: namespaces, links, the pids in a namespace, and every
// IPv4 prefix in use (so a new topology's subnets collide with nothing).
import { ip } from './commands.js';

export async function netnsNames(): Promise<string[]> {
  const out = await ip(['netns', 'list']).catch(() => '');
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter(Boolean);
}

export async function linkNames(): Promise<string[]> {
  const out = await ip(['-o', 'link', 'show']);
  const names: string[] = [];
  for (const line of out.split('\n')) {
    const m = /^\d+:\s+([^:@\s]+)/.exec(line);
    if (m?.[1]) names.push(m[1]);
  }
  return names;
}

export async function netnsPids(ns: string): Promise<number[]> {
  const out = await ip(['netns', 'pids', ns]).catch(() => '');
  return out
    .split('\n')
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n) && n > 0);
}

export interface Cidr {
  net: number;
  bits: number;
}

export function parseCidr(s: string): Cidr | null {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)(?:\/(\d+))?$/.exec(s);
  if (!m) return null;
  const bits = m[5] === undefined ? 32 : Number(m[5]);
  const addr = ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return { net: (addr & mask) >>> 0, bits };
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  const bits = Math.min(a.bits, b.bits);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return ((a.net & mask) >>> 0) === ((b.net & mask) >>> 0);
}

const ROUTE_TYPES = ['local', 'broadcast', 'unicast', 'blackhole', 'unreachable', 'prohibit'];

/** Every IPv4 prefix the root namespace has as an address or (non-default) route. */
export async function usedPrefixes(): Promise<Cidr[]> {
  const out: Cidr[] = [];
  const addrs = await ip(['-4', '-o', 'addr', 'show']);
  for (const m of addrs.matchAll(/\sinet\s+(\d+\.\d+\.\d+\.\d+\/\d+)/g)) {
    const c = m[1] ? parseCidr(m[1]) : null;
    if (c) out.push(c);
  }
  const routes = await ip(['-4', 'route', 'show', 'table', 'all']).catch(() => '');
  for (const line of routes.split('\n')) {
    const first = line.trim().split(/\s+/);
    const dest = ROUTE_TYPES.includes(first[0] ?? '') ? first[1] : first[0];
    if (!dest || dest === 'default') continue;
    const c = parseCidr(dest);
    if (c && c.bits > 0) out.push(c);
  }
  return out;
}
