// A small REST client over fetch: bearer token, JSON bodies, responses parsed with the shared zod
// schemas; an error answer becomes a CliError carrying the API's code, message and exit code.
import type { z } from 'zod';
import { errorBodySchema } from '@oec/shared';
import { CliError, Exit, exitForStatus } from './exit-codes.js';

export interface Api {
  get<S extends z.ZodTypeAny>(path: string, schema: S): Promise<z.output<S>>;
  post<S extends z.ZodTypeAny>(path: string, body: unknown, schema: S): Promise<z.output<S>>;
  put<S extends z.ZodTypeAny>(path: string, body: unknown, schema: S): Promise<z.output<S>>;
}

export function createApi(baseUrl: string, token: string): Api {
  async function call<S extends z.ZodTypeAny>(method: string, path: string, body: unknown, schema: S): Promise<z.output<S>> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(`${baseUrl}/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (err) {
      const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
      throw new CliError(Exit.FAILED, 'UNREACHABLE', `Cannot reach the controller at ${baseUrl}: ${cause}`);
    }
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: reported below
    }
    if (!res.ok) {
      const parsed = errorBodySchema.safeParse(json);
      const code = parsed.success ? parsed.data.error.code : `HTTP_${res.status}`;
      let message = parsed.success ? parsed.data.error.message : text.slice(0, 200) || res.statusText;
      const fields = parsed.success ? parsed.data.error.details?.fields : undefined;
      if (Array.isArray(fields) && fields.length) {
        message += ` (${fields.map((f: { path?: unknown; message?: unknown }) => `${String(f.path)}: ${String(f.message)}`).join('; ')})`;
      }
      throw new CliError(exitForStatus(res.status), code, message, parsed.success ? parsed.data.error.details : undefined);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new CliError(Exit.FAILED, 'BAD_RESPONSE', `Unexpected answer from ${method} ${path}: ${parsed.error.message}`);
    return parsed.data as z.output<S>;
  }
  return {
    get: (path, schema) => call('GET', path, undefined, schema),
    post: (path, body, schema) => call('POST', path, body, schema),
    put: (path, body, schema) => call('PUT', path, body, schema),
  };
}
