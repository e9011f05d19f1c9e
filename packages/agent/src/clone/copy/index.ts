// The COPY-level data path of a clone (issue 13, decision 0012): every table's rows pass through
// a row transform between COPY TO on the source and COPY FROM on the target.
export { composeTransforms, decodeField, decodeRow, encodeField, encodeRow, RowSplitter, RowTransformStream, rowTransformStream } from './codec.js';
export type { CopyTable, RowTransform, RowTransformFactory } from './codec.js';
export { readCatalog, readTables, refuseUncarried, type CopyCatalog, type CopyTableInfo, type SequenceValue } from './catalog.js';
export { copyFromSource, copyToSql, copyUnits, type CopyResult, type CopySink, type CopySourceOptions, type Section } from './source.js';
export { analyzeTables, workDatabaseSink, type WorkDatabaseSink } from './sink.js';
export { parsePostDataScript, runPostData, type PostDataScript, type ScriptEntry } from './post-data.js';
export { copyDatabaseByCopy, type CopyDatabaseOptions } from './local.js';
export { planTransform, type TransformSource } from './transforms.js';
export { edit, maskInPlace, RANGE_PAGES, type InPlaceResult } from './in-place.js';
export { copyTuning, DEFAULT_SPLIT_MB, MAX_COPY_JOBS, type CopyTuning } from './tuning.js';
export { framedSink, frameReceiver } from './frames.js';
