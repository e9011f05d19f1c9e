// The HMAC key of the pseudonyms, as the SQL builders pass it to PostgreSQL. A leaf module so
// that types.ts, pseudonyms.ts and sql.ts can all name it without importing each other.

/** The padded HMAC keys derived from the project's salt (`keyedHash` in pseudonyms.ts). */
export interface KeyedHash {
  readonly ipad: Buffer;
  readonly opad: Buffer;
  /** sha256(salt): the HMAC key. */
  readonly key: Buffer;
}
