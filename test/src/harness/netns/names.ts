// The names and networks of topology K (see topology.ts): every namespace, link and lock starts
// with NETNS_PREFIX, so stale cleanup can recognise ours.

/** Every namespace, link and lock this module makes starts with this. */
export const NETNS_PREFIX = 'oec';
export const CONTROL_NET = '10.213';
export const DATA_NET = '10.214';
export const LOCK_DIR = '/run/oec-netns';
export const RULE_COMMENT = 'oec-harness';

export const controlBridgeName = (k: number): string => `${NETNS_PREFIX}${k}-c`;
export const dataBridgeName = (k: number): string => `${NETNS_PREFIX}${k}-d`;

/** A topology's namespaces: `oec-K-a`, `oec-K-b`, … */
export const NS_RE = new RegExp(`^${NETNS_PREFIX}-(\\d+)-[a-z]$`);
/** A topology's bridges (`oecK-c`, `oecK-d`) and root-side veths (`oecK-ca`, `oecK-da`, …). */
export const LINK_RE = new RegExp(`^${NETNS_PREFIX}(\\d+)-[cd][a-z]?$`);
/** The availability probe's namespace, bridge and veth (availability.ts), by pid. */
export const PROBE_NS_RE = new RegExp(`^${NETNS_PREFIX}-probe-(\\d+)$`);
export const PROBE_LINK_RE = new RegExp(`^${NETNS_PREFIX}[pq](\\d+)$`);
