// Public surface of the Odoo 17-shaped test data generator (used by tests, the demo and benchmarks).
export { generateOdooDatabase, SIZES, type GenerateOptions, type GeneratedSummary, type OdooSize } from './generate.js';
export type { Audience, PersonalKind, PersonalManifest, PlantedValue } from './personal.js';
export { CUSTOM_FIELDS } from './personal.js';
export { ODOO17_PERSONAL_COLUMNS, ODOO17_PERSONAL_TABLES, odooModel, type Odoo17PersonalColumn } from './personal-catalogue-facts.js';
export { ODOO17_PERSONAL_TABLE_COLUMNS, personalTableSql } from './personal-schema-sql.js';
export { PROFILES, type KnownPassword, type SizeProfile } from './context.js';
export { ODOO_TABLES, loadOdooSchema, odooSchemaSql, planOdooSchema, type OdooSchemaOptions, type OdooSchemaPlan } from './schema.js';
export { ODOO17_SCHEMA_SQL } from './schema-sql.js';
export { hashOdooPassword, makeOdooApiKey, verifyOdooPassword, API_KEY_ROUNDS, PASSWORD_ROUNDS, type OdooApiKey } from './passwords.js';
export { filestoreBytes, hashFile, listFilestore, sha1Hex, storeFname, writeStoreFile, type StoredFile } from './filestore.js';
export { databaseOf, recreateDatabase, withClient, withDatabase } from './db.js';
export { Rng, keystream } from './prng.js';
