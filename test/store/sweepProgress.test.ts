// The banner's source: a sweep in progress is "running" until it finishes, or until it has not been
// heard from for two minutes (its worker died mid-way, and a retry will start it again).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../store/db';
import {
  SWEEP_SILENT_MS,
  getSweepProgress,
  sweepAdvanced,
  sweepFinished,
  sweepStarted,
} from '../../store/sweepProgress';

let db: Db;
beforeAll(async () => {
  db = await openDb({ inMemory: true });
  await db.query(
    `INSERT INTO schools (id, name, calendar, lessons_per_day) VALUES ('S1', 'Harbour Lane', '{}'::jsonb, 5)`,
  );
});
afterAll(async () => db?.close());

describe('a sweep’s progress', () => {
  it('runs from its start, counts the pupils looked at, and stops running when finished', async () => {
    expect(await getSweepProgress(db, 'S1', Date.now())).toBeNull();
    await sweepStarted(db, 'S1', '2026-11-30', 600);
    await sweepAdvanced(db, 'S1', 250);
    expect(await getSweepProgress(db, 'S1', Date.now())).toMatchObject({
      asOf: '2026-11-30',
      total: 600,
      evaluated: 250,
      finishedAt: null,
      running: true,
    });
    await sweepFinished(db, 'S1', 600);
    expect(await getSweepProgress(db, 'S1', Date.now())).toMatchObject({ evaluated: 600, running: false });
  });

  it('is not running once silent for two minutes', async () => {
    await sweepStarted(db, 'S1', '2026-12-01', 600);
    const later = Date.now() + SWEEP_SILENT_MS + 1_000;
    expect(await getSweepProgress(db, 'S1', later)).toMatchObject({ finishedAt: null, running: false });
  });
});
