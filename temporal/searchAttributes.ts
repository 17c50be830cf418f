// The custom search attributes a case exposes for listing and dashboards. None holds personal
// data: the school id is an institution code, the stage is a policy stage id.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const SCHOOL_ID = defineSearchAttributeKey('SchoolId', SearchAttributeType.KEYWORD);
export const CASE_STAGE = defineSearchAttributeKey('CaseStage', SearchAttributeType.KEYWORD);
export const PENDING_APPROVALS = defineSearchAttributeKey('PendingApprovals', SearchAttributeType.INT);
export const NEXT_ACTION_DATE = defineSearchAttributeKey('NextActionDate', SearchAttributeType.DATETIME);

export const CUSTOM_SEARCH_ATTRIBUTES = [SCHOOL_ID, CASE_STAGE, PENDING_APPROVALS, NEXT_ACTION_DATE];

/** `temporal server start-dev --search-attribute Name=Type` arguments. */
export function devServerSearchAttributeArgs(): string[] {
  const cliType: Record<string, string> = {
    KEYWORD: 'Keyword',
    INT: 'Int',
    DATETIME: 'Datetime',
    TEXT: 'Text',
    BOOL: 'Bool',
    DOUBLE: 'Double',
    KEYWORD_LIST: 'KeywordList',
  };
  return CUSTOM_SEARCH_ATTRIBUTES.flatMap((k) => [
    '--search-attribute',
    `${k.name}=${cliType[k.type] ?? 'Keyword'}`,
  ]);
}
