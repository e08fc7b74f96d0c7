/**
 * Several consecutive events of one aggregate stored as ONE message of the event stream: one
 * append, one expected-sequence check, so a command's events land whole or not at all, and a burst
 * costs one round trip per unit instead of one per event. Its headers give the first and last
 * per-aggregate sequence (`Runstream-Sequence`, `Runstream-Last-Sequence`) and the type
 * `EventUnitV1`. A message that is not a unit is one event, as before units existed: readers
 * take both, through `eventsOf`.
 */
export const EVENT_UNIT_V1 = 'EventUnitV1';

export interface EventUnitV1<E> {
  type: typeof EVENT_UNIT_V1;
  events: E[];
}

export function eventUnit<E>(events: E[]): EventUnitV1<E> {
  return { type: EVENT_UNIT_V1, events };
}

/** The events a stored message carries, in order: a unit's events, or the message itself. */
export function eventsOf<E>(payload: unknown): E[] {
  const unit = payload as Partial<EventUnitV1<E>> | null;
  if (unit !== null && typeof unit === 'object' && unit.type === EVENT_UNIT_V1 && Array.isArray(unit.events)) return unit.events;
  return [payload as E];
}
