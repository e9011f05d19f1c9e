// Copy-on-write clones of a running cluster: the reflink probe, the snapshot (backup API +
// reflink), starting it as a cluster of its own, and the scrub that leaves no source value in it.
export { filesystemName, probeReflink, reflinkCopyArgv, type ReflinkProbe } from './reflink.js';
export { snapshotCluster, SnapshotError, type SnapshotOptions, type SnapshotResult, type SnapshotTimings } from './snapshot.js';
export { prepareSnapshotStart, SNAPSHOT_SETTINGS, SNAPSHOT_SETTINGS_14, startSnapshot, type StartedSnapshot, type StartSnapshotOptions } from './start.js';
export {
  deferIndexes,
  deferredIndexTables,
  maskedRewriteSql,
  purgeOldWal,
  rewriteTableSql,
  scrubSnapshot,
  walSegments,
  type MaskedColumn,
  type ScrubClient,
  type ScrubResult,
  type TableName,
} from './scrub.js';
