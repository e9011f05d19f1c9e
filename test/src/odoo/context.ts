// Shared state of one generator run: the size profile, the present tables, the people created so
// far (other tables refer to them) and the facts collected for the summary.
import type pg from 'pg';
import type { Rng } from './prng.js';

export const SIZES = ['tiny', 'small', 'large', 'xlarge'] as const;
export type OdooSize = (typeof SIZES)[number];

export interface SizeProfile {
  companies: number;
  internalUsers: number;
  portalUsers: number;
  /** Portal users that have set a password (the others were invited and never signed up). */
  portalWithPassword: number;
  customers: number;
  messages: number;
  /** mail_message.body size range in characters. */
  bodyBytes: readonly [number, number];
  mails: number;
  /** Binary documents stored in the filestore, with a log-uniform size range. */
  documents: number;
  docBytes: readonly [number, number];
  /** Share of customers with an avatar (image_1920 + image_128 attachments; companies always have one). */
  avatarRate: number;
}

export const PROFILES: Record<OdooSize, SizeProfile> = {
  tiny: {
    companies: 2, internalUsers: 12, portalUsers: 6, portalWithPassword: 6, customers: 300,
    messages: 600, bodyBytes: [150, 1200], mails: 60, documents: 100, docBytes: [300, 160_000], avatarRate: 0.2,
  },
  small: {
    companies: 3, internalUsers: 60, portalUsers: 300, portalWithPassword: 40, customers: 20_000,
    messages: 22_000, bodyBytes: [300, 1500], mails: 2_000, documents: 500, docBytes: [1_000, 1_000_000], avatarRate: 0.05,
  },
  // large: ~44k files / ~1.5 GB of filestore (issue 15: at least 40k files and 1.5 GB), as many
  // small documents as a busy install keeps: 36k documents of 1 kB–180 kB (log-uniform, mean
  // ~35 kB) and ~5k own avatars; before, 2,200 documents up to 4 MB made 12k files / 1.55 GB.
  large: {
    companies: 5, internalUsers: 250, portalUsers: 3_000, portalWithPassword: 60, customers: 200_000,
    messages: 460_000, bodyBytes: [500, 2500], mails: 30_000, documents: 36_000, docBytes: [1_000, 180_000], avatarRate: 0.05,
  },
  // xlarge: three times large's data (issue 19: what must not grow from small to 3× large): the
  // customers, messages, mails and documents; the same companies and users (their names come from
  // a fixed list of first and last names that three times as many users would exhaust)
  xlarge: {
    companies: 5, internalUsers: 250, portalUsers: 3_000, portalWithPassword: 60, customers: 600_000,
    messages: 1_380_000, bodyBytes: [500, 2500], mails: 90_000, documents: 108_000, docBytes: [1_000, 180_000], avatarRate: 0.05,
  },
};

/** A res_partner row as the other tables need it. */
export interface PartnerRef {
  id: number;
  name: string;
  email: string | null;
  phone: string | null;
  isCompany: boolean;
  companyId: number | null;
}

export interface UserRef {
  id: number;
  partnerId: number;
  login: string;
  share: boolean;
  active: boolean;
}

export interface KnownPassword {
  userId: number;
  login: string;
  password: string;
  share: boolean;
}

export interface GenContext {
  client: pg.ClientBase;
  seed: number | string;
  rng: Rng;
  size: OdooSize;
  profile: SizeProfile;
  filestoreDir: string;
  tables: ReadonlySet<string>;
  /** True when the table exists in this database. */
  has(table: string): boolean;
  /** ids of ir_module_module rows by module name (installed or not). */
  moduleIds: Map<string, number>;
  companyIds: number[];
  companyPartnerIds: number[];
  websiteIds: number[];
  mailServerIds: number[];
  fetchmailIds: number[];
  partners: PartnerRef[];
  users: UserRef[];
  customerIds: number[];
  knownPasswords: KnownPassword[];
  apiKeys: { userId: number; key: string }[];
  duplicateEmails: string[];
  /** ir_model_data rows to write at the end: [module, name, model, res_id]. */
  xmlids: [string, string, string, number][];
  autovacuumCronId: number | null;
  files: { count: number; bytes: number };
}

