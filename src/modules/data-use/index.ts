/**
 * "Who used my data": the log of every read of a person's data by an
 * officer, a service or an agency system, written in the reader's
 * transaction, and the account page where the person sees it.
 */
export { recordDataUse, listDataUses, subjectOfAccount, subjectKey, subjectKeys, type DataUse, type DataUseEntry, type DataUseKind, type DataSubject, type DataUseFilter } from './record-data-use.ts';
export { registerDataUseRoutes } from './routes.ts';
export { DATA_USE_ENCRYPTED_COLUMNS } from './encrypted-columns.ts';
