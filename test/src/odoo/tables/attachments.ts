// ir_attachment and the filestore. Rows: partner avatars (res_field image_1920/image_128, many
// sharing a few stock images, so several rows point at one file), documents on customers, sale
// orders and invoices (a few attached twice), asset bundles (res_model 'ir.ui.view', url
// '/web/assets/...', public, create_uid 1), url attachments (no file) and db_datas attachments
// (bytes in the row). Files are written content-addressed, with bounded concurrency.
import type { GenContext } from '../context.js';
import { pastTs, sentence } from '../fake.js';
import { mapLimit, sha1Hex, writeStoreFile } from '../filestore.js';
import { TableWriter, type Row } from '../insert.js';
import { keystream, type Rng } from '../prng.js';

const HEADERS: Record<string, Buffer> = {
  'image/png': Buffer.from('89504e470d0a1a0a', 'hex'),
  'image/jpeg': Buffer.from('ffd8ffe000104a464946', 'hex'),
  'application/pdf': Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1'),
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': Buffer.from('504b0304', 'hex'),
};
const DOC_KINDS: readonly (readonly [string, string])[] = [
  ['application/pdf', 'pdf'], ['application/pdf', 'pdf'], ['image/jpeg', 'jpg'], ['image/png', 'png'],
  ['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'xlsx'], ['text/plain', 'txt'], ['text/csv', 'csv'],
];
const BUNDLES: readonly (readonly [string, string])[] = [
  ['web.assets_backend.min.js', 'application/javascript'], ['web.assets_backend.min.css', 'text/css'],
  ['web.assets_frontend.min.js', 'application/javascript'], ['web.assets_frontend.min.css', 'text/css'],
  ['web.assets_frontend_lazy.min.js', 'application/javascript'], ['web.assets_web_dark.min.css', 'text/css'],
  ['web.report_assets_common.min.css', 'text/css'], ['web_editor.backend_assets_wysiwyg.min.js', 'application/javascript'],
];

interface Spec {
  row: Row;
  /** Content key: rows with the same key share one file. */
  key?: string;
  make?: () => Buffer;
}

/** Text of about `size` bytes: JS or CSS for bundles, prose or CSV (with customer e-mails) for documents. */
function textContent(rng: Rng, size: number, kind: string, ctx: GenContext): Buffer {
  const lines: string[] = [];
  let len = 0;
  for (let i = 0; len < size; i++) {
    const line =
      kind === 'application/javascript' ? `odoo.define("m${i}",function(r){"use strict";return {k${i}:"${sentence(rng, 6)}"};});`
      : kind === 'text/css' ? `.o_c${i}{margin:${rng.int(0, 40)}px;color:#${rng.hex(6)}}`
      : kind === 'text/csv' ? (() => { const p = rng.pick(ctx.partners); return `${p.id},"${p.name}",${p.email ?? ''},${p.phone ?? ''}`; })()
      : sentence(rng, rng.int(6, 20));
    lines.push(line);
    len += line.length + 1;
  }
  return Buffer.from(lines.join('\n'), 'utf8');
}

function binaryContent(ctx: GenContext, label: string, mime: string, size: number): Buffer {
  const head = HEADERS[mime] ?? Buffer.alloc(0);
  return Buffer.concat([head, keystream(ctx.seed, label, Math.max(0, size - head.length))]);
}

function baseRow(id: number, rng: Rng, fields: Row): Row {
  const created = pastTs(rng);
  return {
    id, res_id: null, company_id: null, file_size: 0, create_uid: 2, write_uid: 2, name: '', res_model: null, res_field: null,
    type: 'binary', url: null, access_token: null, store_fname: null, checksum: null, mimetype: null, description: null,
    index_content: null, public: false, create_date: created, write_date: created, db_datas: null, original_id: null,
    website_id: null, theme_template_id: null, key: null, ...fields,
  };
}

export interface AttachmentFacts {
  assets: number;
  urls: number;
  dbDatas: number;
  sharedFiles: number;
}

export async function writeAttachments(ctx: GenContext): Promise<AttachmentFacts> {
  const facts: AttachmentFacts = { assets: 0, urls: 0, dbDatas: 0, sharedFiles: 0 };
  if (!ctx.has('ir_attachment')) return facts;
  const rng = ctx.rng.fork('attachments');
  const specs: Spec[] = [];
  const add = (fields: Row, key?: string, make?: () => Buffer): void => {
    specs.push({ row: baseRow(specs.length + 1, rng, fields), ...(key && make ? { key, make } : {}) });
  };
  const [minDoc, maxDoc] = ctx.profile.docBytes;
  // avatars: half of them are one of four stock pictures
  const companies = new Set(ctx.companyPartnerIds);
  const withAvatar = ctx.partners.filter((p) => companies.has(p.id) || rng.chance(ctx.profile.avatarRate));
  for (const p of withAvatar) {
    const stock = rng.chance(0.5) ? rng.int(1, 4) : 0;
    const big = rng.logUniform(8_000, Math.min(300_000, maxDoc));
    for (const [field, size] of [['image_1920', big], ['image_128', rng.int(1_500, 6_000)]] as const) {
      const key = stock ? `stock-${stock}-${field}` : `avatar-${p.id}-${field}`;
      const bytes = stock ? (field === 'image_1920' ? 40_000 + stock * 1000 : 3_000 + stock) : size;
      add({ res_id: p.id, res_model: 'res.partner', res_field: field, name: field, mimetype: 'image/png', company_id: p.companyId }, key, () => binaryContent(ctx, key, 'image/png', bytes));
    }
  }
  // documents; about 5% reuse the content of an earlier document (same file, several rows)
  const customers = ctx.customerIds;
  const kinds: (readonly [string, string])[] = [];
  for (let i = 0; i < ctx.profile.documents; i++) {
    const reuse = i > 10 && rng.chance(0.05) ? rng.int(0, i - 1) : i;
    const [mime, ext] = kinds[reuse] ?? rng.pick(DOC_KINDS);
    kinds.push([mime, ext]);
    const size = rng.logUniform(minDoc, maxDoc);
    const key = `doc-${reuse}`;
    const model = rng.pick(['res.partner', 'res.partner', 'sale.order', 'account.move']);
    const resId = model === 'res.partner' ? rng.pick(customers) : rng.int(1, 5000);
    const docRng = rng.fork(key);
    const name = `${rng.pick(['Invoice', 'Quotation', 'Contract', 'Scan', 'Photo', 'Export'])}_${rng.int(1000, 99999)}.${ext}`;
    add(
      { res_id: resId, res_model: model, name, mimetype: mime, access_token: rng.chance(0.1) ? rng.uuid() : null, company_id: 1 },
      key,
      () => (mime.startsWith('text/') ? textContent(docRng, size, mime, ctx) : binaryContent(ctx, key, mime, size)),
    );
  }
  // asset bundles: current and stale versions
  const versions = ctx.size === 'tiny' ? 1 : ctx.size === 'small' ? 2 : 4;
  for (let v = 0; v < versions; v++) {
    for (const [bundle, mime] of BUNDLES) {
      const unique = rng.hex(7);
      const website = bundle.includes('frontend') && ctx.websiteIds.length > 0 ? ctx.websiteIds[0] : undefined;
      const url = website ? `/web/assets/${website}/${unique}/${bundle}` : `/web/assets/${unique}/${bundle}`;
      const size = ctx.size === 'tiny' ? rng.int(5_000, 60_000) : rng.logUniform(100_000, 2_500_000);
      const assetRng = rng.fork(url);
      add({ res_model: 'ir.ui.view', res_id: 0, name: bundle, url, mimetype: mime, public: true, create_uid: 1, write_uid: 1, website_id: website ?? null }, url, () => textContent(assetRng, size, mime, ctx));
      facts.assets++;
    }
  }
  const few = ctx.size === 'tiny' ? 5 : ctx.size === 'small' ? 40 : 200;
  for (let i = 0; i < few; i++) {
    add({ type: 'url', res_model: 'res.partner', res_id: rng.pick(customers), name: `Video ${i + 1}`, url: `https://www.youtube.com/watch?v=${rng.token(11)}` });
    facts.urls++;
  }
  for (let i = 0; i < few; i++) {
    const bytes = binaryContent(ctx, `db-${i}`, 'image/png', rng.int(200, 8_000));
    add({ res_model: 'res.partner', res_id: rng.pick(customers), res_field: 'image_128', name: 'image_128', mimetype: 'image/png', db_datas: bytes, checksum: sha1Hex(bytes), file_size: bytes.length });
    facts.dbDatas++;
  }
  // write each distinct content once, then the rows
  const makers = new Map<string, () => Buffer>();
  const uses = new Map<string, number>();
  for (const s of specs) if (s.key && s.make) {
    if (!makers.has(s.key)) makers.set(s.key, s.make);
    uses.set(s.key, (uses.get(s.key) ?? 0) + 1);
  }
  facts.sharedFiles = [...uses.values()].filter((n) => n > 1).length;
  const stored = new Map<string, { storeFname: string; checksum: string; size: number }>();
  await mapLimit([...makers.entries()], 4, async ([key, make]) => {
    const file = await writeStoreFile(ctx.filestoreDir, make());
    stored.set(key, file);
    if (file.written) {
      ctx.files.count++;
      ctx.files.bytes += file.size;
    }
  });
  const w = new TableWriter(ctx.client, 'ir_attachment');
  for (const s of specs) {
    const file = s.key ? stored.get(s.key) : undefined;
    await w.add(file ? { ...s.row, store_fname: file.storeFname, checksum: file.checksum, file_size: file.size } : s.row);
  }
  await w.flush();
  return facts;
}
