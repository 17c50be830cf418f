// The pure attendance domain: register codes, school calendars, compact marks and pupil statistics.
export * from './types';
export * from './caseTypes';
export * from './registerCodes';
export * from './calendar';
export {
  CODE_LIST,
  CODE_CLASS_BY_ID,
  codeId,
  DAYS_PER_BLOB,
  BYTES_PER_BLOB,
  academicYearStartDay,
  MarkGrid,
} from './marks';
export type { YearBlob, Mark } from './marks';
export * from './stats';
