// Servers in separate Linux network namespaces, joined by a control and a data bridge; a test can
// cut a server's data link. The plan of names and addresses is in netns/topology.ts.
export { NETNS_PREFIX } from './netns/names.js';
export { ipBinary } from './netns/commands.js';
export { netnsAvailable, netnsUnavailableReason } from './netns/availability.js';
export { listNetnsObjects, removeStaleTopologies } from './netns/stale.js';
export { listenEcho, probeTcp, type NsListener } from './netns/tcp-probe.js';
export type { NetServer } from './netns/server.js';
export { createTopology, verifyTopology, type Topology, type TopologyOptions } from './netns/topology.js';
