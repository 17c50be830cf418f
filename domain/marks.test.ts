import { describe, expect, it } from 'vitest';
import { toDayNumber } from './calendar';
import { BYTES_PER_BLOB, CODE_CLASS_BY_ID, CODE_LIST, MarkGrid, academicYearStart, codeId } from './marks';

describe('code ids', () => {
  it('reserves id 0 for "no mark" and gives every current code an id', () => {
    expect(CODE_LIST[0]).toBe('');
    expect(CODE_LIST).toHaveLength(35);
    for (const code of ['/', '\\', 'L', 'N', 'J1', 'Y7', '#']) expect(CODE_LIST[codeId(code)]).toBe(code);
    expect(CODE_CLASS_BY_ID[codeId('U')]).toBe('unauthorised');
    expect(CODE_CLASS_BY_ID[0]).toBeNull();
  });

  it('throws for retired and unknown codes', () => {
    expect(() => codeId('H')).toThrow('use C for authorised leave or G for a holiday not agreed');
    expect(() => codeId('n')).toThrow('"n" is not a register code');
  });
});

describe('academic years', () => {
  it.each([
    ['2024-08-01', '2024-08-01'],
    ['2024-07-31', '2023-08-01'],
    ['2024-12-25', '2024-08-01'],
    ['2025-01-06', '2024-08-01'],
  ])('%s belongs to the year starting %s', (date, start) => {
    expect(academicYearStart(date)).toBe(start);
  });
});

describe('MarkGrid', () => {
  it('returns the previous code when a mark changes, so the change can be audited', () => {
    const grid = new MarkGrid();
    expect(grid.get('2024-10-07', 'AM')).toBeNull();
    expect(grid.set('2024-10-07', 'AM', 'N')).toBeNull();
    expect(grid.set('2024-10-07', 'AM', 'I')).toBe('N');
    expect(grid.get('2024-10-07', 'AM')).toBe('I');
    expect(grid.get('2024-10-07', 'PM')).toBeNull();
    expect(grid.clear('2024-10-07', 'AM')).toBe('I');
    expect(grid.get('2024-10-07', 'AM')).toBeNull();
  });

  it('refuses retired codes', () => {
    expect(() => new MarkGrid().set('2024-10-07', 'AM', 'H')).toThrow('retired in August 2024');
  });

  it('lays a year out as dayOffset * 2 + session, from 1 August', () => {
    const grid = new MarkGrid();
    grid.set('2024-08-02', 'PM', 'I');
    grid.set('2024-07-31', 'AM', 'G'); // 2023-24 is a leap academic year: offset 365
    const blobs = grid.toBlobs();
    expect(blobs.map((b) => b.yearStart)).toEqual(['2023-08-01', '2024-08-01']);
    expect(blobs[0]!.codes[365 * 2]).toBe(codeId('G'));
    expect(blobs[1]!.codes[1 * 2 + 1]).toBe(codeId('I'));
    expect(blobs[1]!.codes).toHaveLength(BYTES_PER_BLOB);
    expect(grid.codeIdAtDay(toDayNumber('2024-08-02'), 1)).toBe(codeId('I'));
    expect(grid.codeIdAtIndex(toDayNumber('2024-08-01'), 3)).toBe(codeId('I'));
  });

  it('round-trips through blobs and lists its marks in date order', () => {
    const grid = MarkGrid.fromMarks([
      { date: '2024-09-05', session: 'PM', code: '\\' },
      { date: '2024-09-04', session: 'AM', code: 'L' },
      { date: '2025-09-03', session: 'AM', code: 'U' },
    ]);
    const copy = MarkGrid.fromBlobs(grid.toBlobs());
    expect([...copy.marks()]).toEqual([
      { date: '2024-09-04', session: 'AM', code: 'L' },
      { date: '2024-09-05', session: 'PM', code: '\\' },
      { date: '2025-09-03', session: 'AM', code: 'U' },
    ]);
  });

  it('rejects malformed blobs', () => {
    expect(() =>
      MarkGrid.fromBlobs([{ yearStart: '2024-09-01', codes: new Uint8Array(BYTES_PER_BLOB) }]),
    ).toThrow('must start on 1 August');
    expect(() => MarkGrid.fromBlobs([{ yearStart: '2024-08-01', codes: new Uint8Array(10) }])).toThrow(
      '732 bytes',
    );
    expect(() =>
      MarkGrid.fromBlobs([{ yearStart: '2024-08-01', codes: new Uint8Array(BYTES_PER_BLOB).fill(200) }]),
    ).toThrow('unknown code id');
  });
});
