// replace_sensitive_attachments on the COPY path: the same row values as the option's SQL
// (options/attachments.ts), computed in JavaScript on the source side, so a sensitive model's
// attachment reaches the target already pointing at its placeholder and no share token is
// written at all. Equal tables on both paths by test/src/sanitize/stream-equivalence.test.ts.
import { placeholderFor } from './placeholders.js';

/** The fields a row transform reads and writes (by index in the COPY column list). */
export interface AttachmentTransform {
  columns: readonly number[];
  map(values: (string | null)[]): (string | null)[];
}

const CONTENT = ['res_model', 'type', 'store_fname', 'checksum', 'file_size', 'mimetype'] as const;
const CLEARED = ['db_datas', 'index_content'] as const;

export interface AttachmentStream {
  /** The transform of ir_attachment's rows (null for any other table, or nothing to do). */
  transformFor(table: string, columns: readonly string[]): AttachmentTransform | null;
  /** Rows rewritten so far. */
  rewritten(): number;
}

export function attachmentStream(sensitiveModels: readonly string[]): AttachmentStream {
  const models = new Set(sensitiveModels);
  let rewritten = 0;
  return {
    rewritten: () => rewritten,
    transformFor(table, columns) {
      if (table !== 'ir_attachment') return null;
      const index = new Map(columns.map((c, i) => [c, i]));
      // the SQL option does nothing when a column it needs is missing; neither does this
      if (!CONTENT.every((c) => index.has(c))) return null;
      const content = models.size > 0;
      const names = [...(content ? [...CONTENT, ...CLEARED] : []), 'access_token'].filter((c) => index.has(c));
      if (names.length === 0) return null;
      const slot = new Map(names.map((c, i) => [c, i]));
      const at = (c: string): number | undefined => slot.get(c);
      return {
        columns: names.map((c) => index.get(c) as number),
        map(values) {
          const out = [...values];
          const set = (c: string, v: string | null): void => {
            const i = at(c);
            if (i !== undefined) out[i] = v;
          };
          const get = (c: string): string | null => out[at(c) ?? -1] ?? null;
          if (content && models.has(get('res_model') ?? '') && get('type') !== 'url') {
            const p = placeholderFor(get('mimetype'));
            set('store_fname', p.storeFname);
            set('checksum', p.checksum);
            set('file_size', String(p.size));
            set('mimetype', p.mimetype);
            for (const c of CLEARED) set(c, null);
          }
          set('access_token', null);
          if (out.some((v, i) => v !== values[i])) rewritten++;
          return out;
        },
      };
    },
  };
}
