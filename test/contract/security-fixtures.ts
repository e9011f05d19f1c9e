// Fixtures of the security suite: the controller's log lines kept in memory, the secrets the
// suite handed out (to look for in every log afterwards), valid inputs built from a route's zod
// schema (so that a refusal is about who asks, not what is asked), and callers for REST and tRPC
// (queries, mutations, and the SSE subscription whose refusal arrives as an event).
import { Writable } from 'node:stream';
import { z } from 'zod';
import { createLogger } from '@oec/controller';
import type { Logger } from '@oec/controller';
import type { CloneOperation, Environment, Organization, Project } from '@oec/shared';
import type { Controller, FakeAgent, Res, User } from './harness.js';

// ---- logs and secrets ----------------------------------------------------------------------

export interface CapturedLogs {
  logger: Logger;
  text(): string;
}

/** A debug-level controller logger writing into memory: every request and refusal is there. */
export function captureLogs(): CapturedLogs {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString('utf8'));
      cb();
    },
  });
  return { logger: createLogger('debug', sink), text: () => chunks.join('') };
}

/** Every token, password, API key, ticket and webhook secret the suite used, by what it is. */
export class Secrets {
  private readonly all = new Map<string, string>();
  add(what: string, value: string | null | undefined): void {
    // Short values would match by accident (and are no secret).
    if (value && value.length >= 12) this.all.set(value, what);
  }
  get size(): number {
    return this.all.size;
  }
  /** The secrets found in `text`, named by what they are. */
  leakedIn(text: string): string[] {
    return [...this.all].filter(([v]) => text.includes(v)).map(([, what]) => what);
  }
}

/** What the suite's parts share: one controller, organizations A (alice) and B (bob). */
export interface Suite {
  ctl: Controller;
  logs: CapturedLogs;
  secrets: Secrets;
  alice: User;
  bob: User;
  orgA: Organization;
  projectA: Project;
  serverA: { id: string; agent_token: string };
  projectB: Project;
  serverB: { id: string; agent_token: string };
  agentA: FakeAgent;
  envA: Environment;
  opA: CloneOperation;
  /** Requests and checks made, for the summary line. */
  count: { cases: number };
}

// ---- inputs --------------------------------------------------------------------------------

/** Values by field name; a field not here gets a plausible value from its type. */
export type Samples = Record<string, unknown>;

function unwrap(s: z.ZodTypeAny): z.ZodTypeAny {
  for (;;) {
    if (s instanceof z.ZodEffects) s = s.innerType() as z.ZodTypeAny;
    else if (s instanceof z.ZodPipeline) s = s._def.in as z.ZodTypeAny;
    else if (s instanceof z.ZodLazy) s = s.schema as z.ZodTypeAny;
    else if (s instanceof z.ZodBranded) s = s.unwrap() as z.ZodTypeAny;
    else return s;
  }
}

function sampleOf(schema: z.ZodTypeAny, samples: Samples): unknown {
  const s = unwrap(schema);
  if (s instanceof z.ZodOptional || s instanceof z.ZodNullable) return sampleOf(s.unwrap() as z.ZodTypeAny, samples);
  if (s instanceof z.ZodDefault) return sampleOf(s.removeDefault() as z.ZodTypeAny, samples);
  if (s instanceof z.ZodObject) {
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(s.shape as Record<string, z.ZodTypeAny>)) {
      if (key in samples) out[key] = samples[key];
      else if (!field.isOptional()) out[key] = sampleOf(field, samples);
    }
    return out;
  }
  if (s instanceof z.ZodEnum) return (s.options as unknown[])[0];
  if (s instanceof z.ZodLiteral) return s.value as unknown;
  if (s instanceof z.ZodBoolean) return false;
  if (s instanceof z.ZodNumber) return 1;
  if (s instanceof z.ZodArray) return [];
  if (s instanceof z.ZodRecord) return {};
  if (s instanceof z.ZodUnion || s instanceof z.ZodDiscriminatedUnion) {
    return sampleOf((s.options as z.ZodTypeAny[])[0] as z.ZodTypeAny, samples);
  }
  return 'sample';
}

/** A valid input of `schema` with the given fields; throws (naming `what`) when none can be built. */
export function validInput(schema: z.ZodTypeAny, samples: Samples, what: string): unknown {
  const input = sampleOf(schema, samples);
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new Error(`security suite: no valid input for ${what} (${JSON.stringify(input)}): ${parsed.error.message}; add a sample for the field`);
  }
  return input;
}

// ---- tRPC over HTTP --------------------------------------------------------------------------

export type ProcedureType = 'query' | 'mutation' | 'subscription';

export interface Answer {
  status: number;
  code: string | undefined;
  details: Record<string, unknown> | null;
  /** The whole answer as text (looked through for another organization's ids). */
  text: string;
}

interface TrpcError {
  error?: { data?: { appCode?: string; httpStatus?: number; details?: Record<string, unknown> | null } };
}

/** A REST answer as an Answer. */
export function restAnswer(res: Res): Answer {
  const body = res.body as { error?: { code?: string; details?: Record<string, unknown> | null } } | null;
  return { status: res.status, code: body?.error?.code, details: body?.error?.details ?? null, text: JSON.stringify(res.body) };
}

/**
 * Call a procedure as the dashboard does. A subscription answers 200 and streams; its refusal
 * is the `serialized-error` event, whose httpStatus is taken as the answer's status.
 */
export async function callProcedure(
  baseUrl: string,
  path: string,
  type: ProcedureType,
  input: unknown,
  authorization: string | null,
): Promise<Answer> {
  const headers: Record<string, string> = authorization ? { authorization } : {};
  const query = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
  if (type === 'subscription') {
    const ac = new AbortController();
    const res = await fetch(`${baseUrl}/trpc/${path}${query}`, { headers: { ...headers, accept: 'text/event-stream' }, signal: ac.signal });
    const text = await readUntil(res, /event: (serialized-error|message)\n/);
    ac.abort();
    const m = /event: serialized-error\ndata: (.*)\n/.exec(text);
    if (!m?.[1]) return { status: res.status, code: undefined, details: null, text };
    const data = (JSON.parse(m[1]) as NonNullable<TrpcError['error']>).data;
    return { status: data?.httpStatus ?? 0, code: data?.appCode, details: data?.details ?? null, text };
  }
  const res =
    type === 'query'
      ? await fetch(`${baseUrl}/trpc/${path}${query}`, { headers })
      : await fetch(`${baseUrl}/trpc/${path}`, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify(input ?? null),
        });
  const text = await res.text();
  let body: TrpcError = {};
  try {
    body = JSON.parse(text) as TrpcError;
  } catch {
    // not JSON: status only
  }
  return { status: res.status, code: body.error?.data?.appCode, details: body.error?.data?.details ?? null, text };
}

async function readUntil(res: Response, until: RegExp): Promise<string> {
  if (!res.body) return '';
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  const deadline = Date.now() + 10_000;
  while (!until.test(text) && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel().catch(() => undefined);
  return text;
}
