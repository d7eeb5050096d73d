/**
 * A request's timeline inside its workflow: events get their sequence number as they happen and
 * one background loop writes them, in order and in batches, with the state at the time of writing
 * (one local-activity marker per batch keeps the history compact). Workflow code.
 */
import { condition } from '@temporalio/workflow';
import type { TimelineEvent, TimelineEventType } from '../domain/request';

export interface Timeline {
  note(type: TimelineEventType, extra?: Omit<Partial<TimelineEvent>, 'seq' | 'type'>): void;
  /** Nothing left to write. */
  drained(): boolean;
}

export function startTimeline<S>(options: {
  stage: () => string;
  snapshot: () => S;
  save: (snapshot: S, events: TimelineEvent[]) => Promise<void>;
}): Timeline {
  const unsaved: TimelineEvent[] = [];
  let lastSeq = 0;
  let saving = false;
  void (async () => {
    for (;;) {
      await condition(() => unsaved.length > 0);
      saving = true;
      await options.save(options.snapshot(), unsaved.splice(0));
      saving = false;
    }
  })();
  return {
    note(type, extra = {}) {
      unsaved.push({ seq: ++lastSeq, type, stage: options.stage(), at: new Date(Date.now()).toISOString(), ...extra });
    },
    drained: () => unsaved.length === 0 && !saving,
  };
}
