// The placeholders that replace the content of sensitive models' attachments: a 1×1 transparent
// PNG for images (avatars and other image fields keep rendering) and a short text otherwise.
// Stored as Odoo stores any file — content-addressed, `<sha[:2]>/<sha>` under the filestore, the
// sha1 in `checksum` — so an attachment row keeps its id and every reference to it stays valid.
import { createHash } from 'node:crypto';

export interface Placeholder {
  bytes: Buffer;
  mimetype: string;
  /** sha1 hex of the bytes (ir_attachment.checksum). */
  checksum: string;
  /** `<sha[:2]>/<sha>` (ir_attachment.store_fname). */
  storeFname: string;
  size: number;
}

function placeholder(bytes: Buffer, mimetype: string): Placeholder {
  const checksum = createHash('sha1').update(bytes).digest('hex');
  return { bytes, mimetype, checksum, storeFname: `${checksum.slice(0, 2)}/${checksum}`, size: bytes.length };
}

/** A valid 1×1 grey-and-alpha PNG, fully transparent (68 bytes). */
const PNG_1X1 = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');

export const IMAGE_PLACEHOLDER = placeholder(PNG_1X1, 'image/png');
export const TEXT_PLACEHOLDER = placeholder(
  Buffer.from('This file was replaced by a placeholder when the database was cloned: it belonged to a record of a model marked sensitive.\n', 'utf8'),
  'text/plain',
);
export const PLACEHOLDERS: readonly Placeholder[] = [IMAGE_PLACEHOLDER, TEXT_PLACEHOLDER];

/** The placeholder of an attachment of this mimetype: the image one for `image/*`. */
export function placeholderFor(mimetype: string | null): Placeholder {
  return mimetype?.startsWith('image/') ? IMAGE_PLACEHOLDER : TEXT_PLACEHOLDER;
}

/** Odoo's content-addressed file names (`ab/abcdef…`, legacy 3-character directories too). */
export const STORE_FNAME_RE = /^[0-9a-f]{2,3}\/[0-9a-f]{40}$/;
