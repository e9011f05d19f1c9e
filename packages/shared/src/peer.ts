// The agent↔agent protocol of a cross-server clone. The source agent dials the target agent's
// peer endpoint (TLS, certificate pinned by fingerprint) once per stream and pushes data; nothing
// passes through the controller. Each connection is gated by a ticket: a random secret the
// controller gives the source, whose sha256 it pre-announces to the target over the control
// channel, scoped to (operation, attempt, stream, direction) and single-use. JSON text frames carry
// control messages, binary frames carry data.
//
// A byte stream (database, addons): sender → `begin`, binary chunks, `end{bytes, sha256}`;
// receiver → `credit` as its consumer (pg_restore, tar) takes the bytes, then `done` once the
// consumer exited cleanly, or `error`.
// A filestore shard: sender → `manifest` (its share of the files); receiver → `need` (the files it
// lacks: files it already holds are re-hashed before being trusted); sender → the needed files,
// small ones many to a `batch` (their names and sizes, then their contents back to back in binary
// frames), a large one as `file`, binary chunks, `file.end`; then `end`; receiver → `credit` as
// files reach the disk, then `done` or `error`. A file named after its sha1 (Odoo's
// `ab/abcdef…`) is checked against its name; any other carries the sender's sha1.
import { z } from 'zod';
import { errorCodeSchema } from './errors.js';

/** Path of the peer WebSocket endpoint on every agent. */
export const PEER_PATH = '/peer/v1/stream';
/** Request headers of a peer connection (the ticket travels as `authorization: Bearer …`). */
export const PEER_HEADERS = { operation: 'x-oec-operation', stream: 'x-oec-stream' } as const;

export const WIRE_CODECS = ['none', 'gzip', 'zstd'] as const;
export const wireCodecSchema = z.enum(WIRE_CODECS);
export type WireCodec = z.infer<typeof wireCodecSchema>;

export const STREAM_KINDS = ['database', 'filestore', 'addons'] as const;
export const streamKindSchema = z.enum(STREAM_KINDS);
export type StreamKind = z.infer<typeof streamKindSchema>;

/** `database`, `addons`, or `filestore-<shard>`. */
export const streamNameSchema = z.string().regex(/^(database|addons|filestore-\d{1,2})$/);

export function streamKind(stream: string): StreamKind {
  return stream.startsWith('filestore') ? 'filestore' : (stream as StreamKind);
}

/** What the target is told of a ticket: never the secret, only its hash. */
export const announcedTicketSchema = z.object({
  stream: streamNameSchema,
  /** sha256 (hex) of the ticket secret. */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  /** Relative, so that clocks of controller and agents need not agree. */
  expires_in_ms: z.number().int().positive().max(3_600_000),
});
export type AnnouncedTicket = z.infer<typeof announcedTicketSchema>;

/** What the source is given: the secret itself. */
export const peerTicketSchema = z.object({ stream: streamNameSchema, ticket: z.string().min(32).max(256) });
export type PeerTicket = z.infer<typeof peerTicketSchema>;

export const peerEndpointSchema = z.object({
  server_name: z.string(),
  url: z.string().url(),
  /** PEM of the target agent's self-signed certificate, trusted for this connection only. */
  certificate: z.string().min(1),
  /** sha256 fingerprint (`AB:CD:…`) the presented certificate must match. */
  fingerprint: z.string().min(1),
});
export type PeerEndpoint = z.infer<typeof peerEndpointSchema>;

const fileEntry = z.object({ rel: z.string().max(300), size: z.number().int().nonnegative() });

// sender → receiver
export const peerBegin = z.object({
  type: z.literal('begin'),
  codec: wireCodecSchema,
  /** For the receiver's progress: the size the sender expects to send (before compression). */
  raw_bytes_estimate: z.number().nonnegative().optional(),
  /** For the receiver's progress: items (tables) the stream carries. */
  items: z.number().int().nonnegative().optional(),
});
export const peerManifest = z.object({
  type: z.literal('manifest'),
  files: z.array(fileEntry),
  /** Shard 0 only: files the source's attachments reference that its filestore lacks. */
  missing_in_source: z.array(z.string()).optional(),
});
const sha1Hex = z.string().regex(/^[0-9a-f]{40}$/);
/** Small files, many to a message: their contents follow back to back, in this order. */
export const peerBatch = z.object({
  type: z.literal('batch'),
  files: z.array(fileEntry.extend({ sha1: sha1Hex.optional() })).min(1).max(4096),
});
export const peerFile = z.object({ type: z.literal('file'), rel: z.string().max(300), size: z.number().int().nonnegative() });
/** `sha1`: what the sender read, for a file whose name is not its sha1. */
export const peerFileEnd = z.object({ type: z.literal('file.end'), sha1: sha1Hex.optional() });
export const peerEnd = z.object({ type: z.literal('end'), bytes: z.number().int().nonnegative(), sha256: z.string().optional() });

// receiver → sender
/**
 * Flow control: the receiver grants the sender this many more bytes of binary frames as its
 * consumer (pg_restore, tar, the disk) takes them. The receiver never stops reading its socket,
 * so pings and pongs keep flowing while a slow consumer holds the sender back.
 */
export const peerCredit = z.object({ type: z.literal('credit'), bytes: z.number().int().positive() });
export const peerNeed = z.object({ type: z.literal('need'), files: z.array(z.string()), reused: z.number().int().nonnegative() });
export const peerDone = z.object({ type: z.literal('done'), bytes: z.number().int().nonnegative(), files: z.number().int().nonnegative() });

// either way: the side that fails says why before it closes
export const peerError = z.object({ type: z.literal('error'), code: errorCodeSchema, message: z.string().max(4000) });

export const senderMessageSchema = z.discriminatedUnion('type', [peerBegin, peerManifest, peerBatch, peerFile, peerFileEnd, peerEnd, peerError]);
export type SenderMessage = z.infer<typeof senderMessageSchema>;
export const receiverMessageSchema = z.discriminatedUnion('type', [peerCredit, peerNeed, peerDone, peerError]);
export type ReceiverMessage = z.infer<typeof receiverMessageSchema>;

/**
 * The target reports this progress message once every ticket is registered; the controller
 * starts the sender only then.
 */
export const RECEIVER_READY = 'receiver ready';
