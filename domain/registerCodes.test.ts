import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PENALTY_CODES,
  REGISTER_CODES,
  RETIRED_CODES,
  lookupCode,
  parseRegisterCode,
} from './registerCodes';
import type { CodeClass } from './types';

describe('register codes (2024)', () => {
  const classes: [CodeClass, string[]][] = [
    ['present', ['/', '\\', 'L']],
    ['approvedActivity', ['K', 'V', 'P', 'W', 'B']],
    ['authorised', ['C', 'C1', 'C2', 'E', 'I', 'M', 'J1', 'R', 'S', 'T']],
    ['unauthorised', ['G', 'N', 'O', 'U']],
    ['notPossible', ['D', 'X', 'Q', 'Y1', 'Y2', 'Y3', 'Y4', 'Y5', 'Y6', 'Y7']],
    ['administrative', ['Z', '#']],
  ];

  it.each(classes)('%s codes are exactly %j', (cls, codes) => {
    expect(REGISTER_CODES.filter((c) => c.cls === cls).map((c) => c.code)).toEqual(codes);
    for (const code of codes) expect(lookupCode(code)?.cls).toBe(cls);
  });

  it('has 34 current codes, each with a meaning', () => {
    expect(REGISTER_CODES).toHaveLength(34);
    for (const c of REGISTER_CODES) expect(c.meaning.length).toBeGreaterThan(5);
  });

  it('counts G, N, O and U towards the penalty threshold by default', () => {
    expect(DEFAULT_PENALTY_CODES).toEqual(['G', 'N', 'O', 'U']);
  });

  it.each([
    ['H', 'code "H" was retired in August 2024: use C for authorised leave or G for a holiday not agreed'],
    ['J', 'code "J" was retired in August 2024: use J1 for leave to attend an interview'],
    ['Y', 'code "Y" was retired in August 2024: use one of Y1 to Y7 for the unavoidable cause'],
    [' h ', 'code "H" was retired in August 2024: use C for authorised leave or G for a holiday not agreed'],
  ])('rejects the retired code %j and names its replacement', (raw, reason) => {
    expect(parseRegisterCode(raw)).toEqual({ ok: false, reason });
    expect(lookupCode(raw.trim().toUpperCase())).toBeUndefined();
  });

  it('lists every retired code', () => {
    expect(Object.keys(RETIRED_CODES)).toEqual(['H', 'J', 'Y']);
  });

  it.each([
    ['/', '/', 'present'],
    ['\\', '\\', 'present'],
    [' N ', 'N', 'unauthorised'],
    ['c1', 'C1', 'authorised'],
    ['j1', 'J1', 'authorised'],
    ['y7', 'Y7', 'notPossible'],
    ['#', '#', 'administrative'],
  ])('reads %j as %s (trimmed, letters upper-cased)', (raw, code, cls) => {
    const r = parseRegisterCode(raw);
    expect(r).toMatchObject({ ok: true, code });
    if (r.ok) expect(r.entry.cls).toBe(cls);
  });

  it.each([
    ['', 'the register code is empty'],
    ['   ', 'the register code is empty'],
    ['A', '"A" is not a register code'],
    ['Y8', '"Y8" is not a register code'],
    ['//', '"//" is not a register code'],
  ])('rejects %j', (raw, reason) => {
    const r = parseRegisterCode(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain(reason);
  });
});
