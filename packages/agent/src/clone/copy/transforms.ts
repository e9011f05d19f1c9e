// Which row transform a clone's COPY path applies. The in-stream masking of the anonymizing
// options (issue 13) plugs in here; until it lands every table passes as raw bytes and the
// sanitizer's UPDATEs run after the load as on the dump path.
import type { ClonePlan } from '@oec/shared';
import type { RowTransformFactory } from './codec.js';

export function planTransform(_plan: ClonePlan): RowTransformFactory | null {
  return null;
}
