import { describe, expect, it } from 'vitest';
import { toJson } from './client-options.ts';
import { printable } from './printable.ts';
import { table } from './table.ts';

describe('printable', () => {
  it('shows terminal control characters as escapes, in one line', () => {
    expect(printable('evil\u001b[2J\u001b]0;title\u0007name')).toBe('evil\\u001b[2J\\u001b]0;title\\u0007name');
    expect(printable('a\u009b31mb\u007f')).toBe('a\\u009b31mb\\u007f');
    expect(printable('two\nlines\ttab')).toBe('two\\u000alines\\u0009tab');
    expect(printable('two\nlines', false)).toBe('two\nlines');
    expect(printable('café ✓ 日本')).toBe('café ✓ 日本');
  });

  it('is applied to table cells and JSON output', () => {
    expect(table([['NAME'], ['x\u001b[31m']])).toBe('NAME\nx\\u001b[31m\n');
    expect(toJson({ name: 'a\u009bb\u001b' })).toBe('{\n  "name": "a\\u009bb\\u001b"\n}\n');
  });
});
