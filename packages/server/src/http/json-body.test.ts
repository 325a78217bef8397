import { describe, expect, it } from 'vitest';
import { parseJsonBody } from './json-body.ts';

describe('parseJsonBody', () => {
  it('parses JSON of any shape', () => {
    expect(parseJsonBody('{"image":"AAAA","name":"a.png","collectionIds":["c1"]}')).toEqual({
      image: 'AAAA',
      name: 'a.png',
      collectionIds: ['c1'],
    });
    expect(parseJsonBody('[1,{"a":null}]')).toEqual([1, { a: null }]);
    expect(parseJsonBody('"text"')).toBe('text');
    expect(parseJsonBody('null')).toBeNull();
  });

  it('refuses prototype keys wherever they are, however they are spelled', () => {
    for (const text of [
      '{"__proto__":{"admin":true}}',
      '{"a":[{"b":{"__proto__":{}}}]}',
      '{"\\u005f_proto__":{}}',
      '{"constructor":{"prototype":{"admin":true}}}',
      '{"a":{"\\u0063onstructor":{"prototype":{}}}}',
    ]) {
      expect(() => parseJsonBody(text), text).toThrow(expect.objectContaining({ code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400 }));
    }
  });

  it('keeps a "constructor" key that is not a prototype, and strings that only mention one', () => {
    expect(parseJsonBody('{"constructor":"Ford","name":"__proto__"}')).toEqual({ constructor: 'Ford', name: '__proto__' });
  });

  it('answers an empty or malformed body with the errors of the framework', () => {
    expect(() => parseJsonBody('')).toThrow(expect.objectContaining({ code: 'FST_ERR_CTP_EMPTY_JSON_BODY', statusCode: 400 }));
    for (const text of ['{', '{"a":}', 'undefined', '{"a":1}x']) {
      expect(() => parseJsonBody(text), text).toThrow(expect.objectContaining({ code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400 }));
    }
  });
});
