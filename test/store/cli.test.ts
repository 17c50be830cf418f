// Given a small school whose figures are worked out by hand, when the CLI imports its files and
// prints stats, then the numbers are exactly the hand-computed ones; a bad file exits 1 and says why.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PupilStatsRow } from '../../scripts/cli/stats';
import { availableEngines } from './engines';
import { CALENDAR, ROSTER, SCHOOL, UPN_A, UPN_B, UPN_C, marksCsv } from './fixtures';

const tsxCli = createRequire(import.meta.url).resolve('tsx/cli');

function cli(args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, [tsxCli, 'test/store/cliEntry.ts', ...args], {
    env: { ...process.env, DATABASE_URL: '', DATA_DIR: '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// Two school weeks, 2-13 September 2024 (10 school days, 20 sessions).
const DAYS = ['02', '03', '04', '05', '06', '09', '10', '11', '12', '13'].map((d) => `2024-09-${d}`);
const EXCEPTIONS: Record<string, string> = {
  '2024-09-09|AM': 'I',
  '2024-09-09|PM': 'I',
  '2024-09-10|AM': 'G',
  '2024-09-11|AM': 'L',
  '2024-09-12|PM': 'U',
};
function handCase(): string {
  const rows: [string, string, string, string][] = [];
  for (const d of DAYS) {
    for (const s of ['AM', 'PM']) {
      const present = s === 'AM' ? '/' : '\\';
      rows.push([UPN_A, d, s, EXCEPTIONS[`${d}|${s}`] ?? present]);
      rows.push([UPN_B, d, s, present]);
    }
  }
  return marksCsv(rows);
}

describe.each(availableEngines())('attendance CLI on $name', (engine) => {
  let store: Awaited<ReturnType<typeof engine.shared>>;
  let dir: string;
  beforeAll(async () => {
    store = await engine.shared();
    dir = mkdtempSync(join(tmpdir(), 'attendance-cli-'));
    writeFileSync(join(dir, 'calendar.json'), JSON.stringify(CALENDAR));
    writeFileSync(join(dir, 'roster.csv'), ROSTER);
    writeFileSync(join(dir, 'marks.csv'), handCase());
    writeFileSync(join(dir, 'bad.csv'), marksCsv([[UPN_A, '2024-09-02', 'AM', 'H']]));
  });
  afterAll(async () => {
    await store.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports the files and prints a summary', () => {
    const files = ['--calendar', join(dir, 'calendar.json'), '--roster', join(dir, 'roster.csv')];
    const r = cli(['import', '--school', SCHOOL, ...files, '--marks', join(dir, 'marks.csv')], store.env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('pupils:   3 added, 0 updated, 0 unchanged');
    expect(r.stdout).toContain('marks:    40 inserted, 0 changed, 0 unchanged');
  });

  it('refuses a bad marks file with exit 1, naming the line, column and reason', () => {
    const r = cli(['import', '--school', SCHOOL, '--marks', join(dir, 'bad.csv')], store.env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('nothing was written');
    expect(r.stderr).toMatch(/bad\.csv, line 2, column code \("H"\): code "H" was retired.*\bC\b.*\bG\b/);
  });

  it('audits each import from the command line with its operating-system user, and the chain holds', async () => {
    const db = await store.open();
    try {
      const { rows } = await db.query<{
        action: string;
        role: string;
        user_id: string | null;
        details: { via: string; osUser: string };
      }>(
        `SELECT action, role, user_id::text AS user_id, details FROM audit_log WHERE action LIKE 'import.%' ORDER BY id`,
      );
      expect(rows.map((r) => [r.action, r.role, r.user_id, r.details.via])).toEqual([
        ['import.succeeded', 'cli', null, 'cli'],
        ['import.rejected', 'cli', null, 'cli'],
      ]);
      expect(rows.every((r) => r.details.osUser.length > 0)).toBe(true);
    } finally {
      await db.close();
    }
    const verify = cli(['audit', 'verify'], store.env);
    expect([verify.code, verify.stdout]).toEqual([
      0,
      expect.stringMatching(/^Audit log: 2 entries; the hash chain is intact\./),
    ]);
  });

  it('prints the hand-computed figures as JSON', () => {
    const r = cli(['stats', '--school', SCHOOL, '--on', '2024-09-13', '--json'], store.env);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as PupilStatsRow[];
    expect(rows.map((x) => x.upn)).toEqual([UPN_A, UPN_B, UPN_C]);
    const [a, b, c] = rows;
    expect(a!.stats).toMatchObject({
      kind: 'rolling10',
      from: '2024-09-02',
      to: '2024-09-13',
      schoolWeeks: 2,
      possible: 20,
      present: 16,
      approvedActivity: 0,
      authorised: 2,
      unauthorised: 2,
      unexplained: 0,
      lateBeforeClose: 1,
      lateAfterClose: 1,
      unmarked: 0,
      attendancePct: 80,
      absencePct: 20,
      daysMissed: 2,
      lessonsMissed: 10,
      persistentAbsence: true,
      severeAbsence: false,
    });
    expect(a!.penaltyThreshold).toMatchObject({ sessions: 2, met: false, threshold: 10 });
    expect(b!.stats).toMatchObject({
      possible: 20,
      present: 20,
      attendancePct: 100,
      persistentAbsence: false,
    });
    expect(c!.stats).toMatchObject({
      possible: 0,
      unmarked: 20,
      attendancePct: null,
      persistentAbsence: false,
    });
    expect(a!.pupilId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('prints one pupil as a table, for another window', () => {
    const r = cli(
      ['stats', '--school', SCHOOL, '--pupil', UPN_A, '--on', '2024-09-13', '--window', 'ytd'],
      store.env,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ytd window 2024-09-02 to 2024-09-13');
    expect(r.stdout).toMatch(new RegExp(`${UPN_A}\\s+Khan, Amira\\s+4\\s+20\\s+80\\.00\\s+20\\.00`));
    expect(r.stdout).not.toContain(UPN_B);
  });

  it('records a roster change to a parent’s email as the command line’s, with its operating-system user', async () => {
    writeFileSync(
      join(dir, 'roster2.csv'),
      ROSTER.replace('sara.khan@example.org', 'sara.k@newmail.example'),
    );
    const r = cli(['import', '--school', SCHOOL, '--roster', join(dir, 'roster2.csv')], store.env);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain("parents' contacts and safeguarding flags: 1 change in force");
    const db = await store.open();
    try {
      const { rows } = await db.query(
        `SELECT c.field, c.old_value, c.new_value, c.changed_by::text AS changed_by, c.changed_by_role,
                c.changed_by_os_user, c.status, i.kind AS import_kind
           FROM pupil_changes c JOIN imports i ON i.id = c.import_id`,
      );
      expect(rows).toEqual([
        {
          field: 'contact1_email',
          old_value: 'sara.khan@example.org',
          new_value: 'sara.k@newmail.example',
          changed_by: null,
          changed_by_role: 'cli',
          changed_by_os_user: userInfo().username,
          status: 'applied',
          import_kind: 'roster',
        },
      ]);
    } finally {
      await db.close();
    }
  });
});
