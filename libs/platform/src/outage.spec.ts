import { isOutage, sqlStateOf } from './outage';

const pgError = (code: string) => Object.assign(new Error('pg'), { severity: 'ERROR', code });
const named = (name: string) => Object.assign(new Error('x'), { name });

describe('isOutage', () => {
  it.each([
    ['Postgres refusing connections', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['Postgres shutting down (57P01)', pgError('57P01')],
    ['Postgres starting up (57P03)', pgError('57P03')],
    ['a deadlock (40P01)', pgError('40P01')],
    ['too many connections (53300)', pgError('53300')],
    ['a connection dropped mid-query', new Error('Connection terminated unexpectedly')],
    ['the pool timing out', new Error('timeout exceeded when trying to connect')],
    ['TypeORM wrapping a socket error', Object.assign(new Error('query failed'), { driverError: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) })],
    ['NATS closed', named('ClosedConnectionError')],
    ['a NATS request timing out', named('TimeoutError')],
    ['no responders', named('NoResponders')],
    ['JetStream answering 503', Object.assign(named('JetStreamApiError'), { status: 503, code: 10008 })],
  ])('%s is an outage', (_name, error) => expect(isOutage(error)).toBe(true));

  it.each([
    ['a NUL in text (22P05)', pgError('22P05')],
    ['a unique violation (23505)', pgError('23505')],
    ['an index row too large (54000)', pgError('54000')],
    ['a bug', new TypeError('undefined is not a function')],
    ['a JetStream wrong-last-sequence (400)', Object.assign(named('JetStreamApiError'), { status: 400, code: 10071 })],
    ['nothing', null],
    ['a string', 'ECONNREFUSED'],
  ])('%s is not', (_name, error) => expect(isOutage(error)).toBe(false));

  it('reads a SQLSTATE only from a Postgres server error', () => {
    expect(sqlStateOf(pgError('22P05'))).toBe('22P05');
    expect(sqlStateOf({ driverError: pgError('23505') })).toBe('23505');
    expect(sqlStateOf(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }))).toBeNull();
  });
});
