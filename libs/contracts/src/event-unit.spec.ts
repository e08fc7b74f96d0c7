import { EVENT_UNIT_V1, eventUnit, eventsOf } from './event-unit';

describe('event units', () => {
  const event = (sequence: number) => ({ type: 'RunToolCalled', data: { i: sequence }, metadata: { sequence } });

  it('a unit carries its events in order', () => {
    expect(eventsOf(eventUnit([event(1), event(2), event(3)]))).toEqual([event(1), event(2), event(3)]);
  });

  it('a unit round-trips through JSON as the store writes it', () => {
    const text = `{"type":"${EVENT_UNIT_V1}","events":[${[event(4), event(5)].map((e) => JSON.stringify(e)).join(',')}]}`;
    expect(JSON.parse(text)).toEqual(eventUnit([event(4), event(5)]));
    expect(eventsOf(JSON.parse(text))).toEqual([event(4), event(5)]);
  });

  it('a message that is not a unit is one event', () => {
    expect(eventsOf(event(7))).toEqual([event(7)]);
    // An event that merely has an `events` field is still one event.
    expect(eventsOf({ type: 'RunSomething', events: [1, 2] })).toEqual([{ type: 'RunSomething', events: [1, 2] }]);
  });
});
