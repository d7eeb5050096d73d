/**
 * Typed search attributes, upserted at every stage change so operations can filter runs in the
 * Temporal UI: `RequestStage = "contact" AND Breached = true`, `NextDeadline < "2026-11-22T00:00:00Z"`.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const REQUEST_KIND = defineSearchAttributeKey('RequestKind', SearchAttributeType.KEYWORD);
export const REGION_ID = defineSearchAttributeKey('RegionId', SearchAttributeType.KEYWORD);
export const REQUEST_STAGE = defineSearchAttributeKey('RequestStage', SearchAttributeType.KEYWORD);
export const NEXT_DEADLINE = defineSearchAttributeKey('NextDeadline', SearchAttributeType.DATETIME);
export const BREACHED = defineSearchAttributeKey('Breached', SearchAttributeType.BOOL);

export const ALL_SEARCH_ATTRIBUTES = [REQUEST_KIND, REGION_ID, REQUEST_STAGE, NEXT_DEADLINE, BREACHED];
