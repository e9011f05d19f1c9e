// Environment lifecycle tasks: thin adapters from the task catalogue to the Runtime.
import type { HandlerRegistry } from '../types.js';

type EnvTaskKind = 'env.create' | 'env.start' | 'env.stop' | 'env.destroy' | 'env.inspect';

export const envHandlers: Pick<HandlerRegistry, EnvTaskKind> = {
  'env.create': async (spec, ctx) => {
    const location = await ctx.runtime.create(spec, ctx.signal);
    ctx.log('INFO', `environment database ${spec.db_name} and directories ready`);
    return location;
  },
  'env.start': async (ref, ctx) => {
    await ctx.runtime.start(ref, ctx.signal);
    ctx.log('INFO', 'environment started and healthy');
    return { ok: true };
  },
  'env.stop': async (ref, ctx) => {
    await ctx.runtime.stop(ref, ctx.signal);
    ctx.log('INFO', 'environment stopped');
    return { ok: true };
  },
  'env.destroy': async (ref, ctx) => {
    await ctx.runtime.destroy(ref, ctx.signal);
    ctx.log('INFO', 'environment destroyed');
    return { ok: true };
  },
  'env.inspect': (ref, ctx) => ctx.runtime.inspect(ref, ctx.signal),
};
