// Clone tasks: one adapter per task kind, each calling its step module with the test hooks.
import { copyAddons } from '../../clone/steps/addons.js';
import { cleanup, purgeRetained } from '../../clone/steps/cleanup.js';
import type { CloneHooks } from '../../clone/context.js';
import { copyTuning } from '../../clone/copy/tuning.js';
import { copyData } from '../../clone/steps/data.js';
import { estimateClone } from '../../clone/steps/estimate.js';
import { prepareTarget } from '../../clone/steps/prepare.js';
import { sanitize } from '../../clone/steps/sanitize.js';
import type { TransferDeps } from '../../clone/transfer/common.js';
import { receiveClone } from '../../clone/transfer/receive.js';
import { sendClone } from '../../clone/transfer/send.js';
import { validateSource } from '../../clone/steps/validate.js';
import { verifyTarget } from '../../clone/steps/verify.js';
import type { TaskKind } from '@oec/shared';
import type { HandlerRegistry } from '../types.js';

type CloneTaskKind = Extract<keyof HandlerRegistry, `clone.${string}`>;

/** The clone tasks that build the target on its server (what clone.cleanup undoes). */
export const TARGET_SIDE_KINDS: readonly TaskKind[] = ['clone.prepare', 'clone.addons', 'clone.data', 'clone.receive', 'clone.sanitize', 'clone.verify'];

export function cloneHandlers(hooks: CloneHooks, transfer: TransferDeps): Pick<HandlerRegistry, CloneTaskKind> {
  const tuning = transfer.copy ?? copyTuning();
  return {
    'clone.validate': (plan, ctx) => validateSource(plan, ctx, hooks),
    'clone.prepare': (plan, ctx) => prepareTarget(plan, ctx, hooks),
    'clone.addons': (plan, ctx) => copyAddons(plan, ctx, hooks),
    'clone.data': (plan, ctx) => copyData(plan, ctx, hooks, tuning),
    'clone.send': (input, ctx) => sendClone(input, ctx, hooks, transfer),
    'clone.receive': (input, ctx) => receiveClone(input, ctx, hooks, transfer),
    'clone.sanitize': (plan, ctx) => sanitize(plan, ctx, hooks, transfer.sanitizeBatch, tuning),
    'clone.verify': (plan, ctx) => verifyTarget(plan, ctx, hooks),
    'clone.cleanup': (input, ctx) => cleanup(input, ctx),
    'clone.purge_retained': (input, ctx) => purgeRetained(input, ctx),
    'clone.estimate': (input, ctx) => estimateClone(input, ctx),
  };
}
