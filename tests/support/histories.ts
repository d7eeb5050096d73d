/** Workflow histories as JSON files (protobuf's own object form: enums and longs as strings). */
import { temporal } from '@temporalio/proto';

const { History } = temporal.api.history.v1;
const FORM = { enums: String, longs: String, bytes: String } as const;

export function historyToJson(history: temporal.api.history.v1.IHistory): string {
  return JSON.stringify(History.toObject(History.fromObject(history), FORM), null, 1) + '\n';
}

export function historyFromJson(text: string): temporal.api.history.v1.History {
  return History.fromObject(JSON.parse(text));
}
