import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.ts';
import { databaseUnavailability } from './unavailable.ts';

const withCode = (message: string, fields: Record<string, unknown>) => Object.assign(new Error(message), fields);

describe('databaseUnavailability', () => {
  it('calls a lost or unreachable PostgreSQL unreachable', () => {
    for (const error of [
      new Error('timeout exceeded when trying to connect'),
      new Error('Connection terminated unexpectedly'),
      new Error('Query read timeout'),
      new Error('Client has encountered a connection error and is not queryable'),
      withCode('connect ECONNREFUSED 127.0.0.1:5432', { code: 'ECONNREFUSED' }),
      withCode('read ECONNRESET', { code: 'ECONNRESET' }),
      withCode('terminating connection due to administrator command', { code: '57P01' }),
      withCode('the database system is starting up', { code: '57P03' }),
      withCode('sorry, too many clients already', { code: '53300' }),
      withCode('connection failure', { code: '08006' }),
      new AggregateError([withCode('connect ECONNREFUSED ::1:5432', { code: 'ECONNREFUSED' })], ''),
    ]) {
      expect(databaseUnavailability(error), error.message).toBe('unreachable');
    }
  });

  it('calls timeouts on an answering database, and SQLite locks, busy', () => {
    expect(databaseUnavailability(withCode('canceling statement due to statement timeout', { code: '57014' }))).toBe('busy');
    expect(databaseUnavailability(withCode('canceling statement due to lock timeout', { code: '55P03' }))).toBe('busy');
    expect(databaseUnavailability(withCode('database is locked', { code: 'ERR_SQLITE_ERROR', errcode: 5 }))).toBe('busy');
    // SQLITE_BUSY_SNAPSHOT: an extended code of SQLITE_BUSY.
    expect(databaseUnavailability(withCode('database is locked', { code: 'ERR_SQLITE_ERROR', errcode: 517 }))).toBe('busy');
  });

  it('looks through causes', () => {
    const cause = withCode('connect ECONNREFUSED 127.0.0.1:5432', { code: 'ECONNREFUSED' });
    expect(databaseUnavailability(new Error('could not load the key', { cause }))).toBe('unreachable');
  });

  it('leaves every other error alone', () => {
    for (const error of [
      withCode('duplicate key value violates unique constraint', { code: '23505' }),
      withCode('syntax error', { code: '42601' }),
      withCode('UNIQUE constraint failed', { code: 'ERR_SQLITE_ERROR', errcode: 2067 }),
      withCode('no such file', { code: 'ENOENT' }),
      new AppError('NOT_FOUND', 'nothing here'),
      new Error('something else'),
      'not an error',
      undefined,
    ]) {
      expect(databaseUnavailability(error)).toBeUndefined();
    }
  });
});
