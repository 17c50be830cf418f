// The `attendance` command line end to end on a small school in a fresh data directory:
// import the files, evaluate the pupils under a policy, and simulate a few school weeks of cases.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCalendar } from '../../domain/calendar';
import { problemsForParents } from '../../letters/forParents';
import { upnCheckLetter } from '../../store/validate';
import { CALENDAR, SCHOOL_ID } from './harness';

const tsxCli = createRequire(import.meta.url).resolve('tsx/cli');
const upn = (n: number) => upnCheckLetter(`82020030000${n}`) + `82020030000${n}`;

function attendance(args: string[], dataDir: string) {
  const r = spawnSync(process.execPath, [tsxCli, 'scripts/attendance.ts', ...args], {
    env: { ...process.env, DATABASE_URL: '', DATA_DIR: dataDir },
    encoding: 'utf8',
    timeout: 540_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the attendance command line', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'attendance-cli-'));
    const cal = buildCalendar(CALENDAR);
    writeFileSync(join(dir, 'calendar.json'), JSON.stringify(CALENDAR));
    writeFileSync(
      join(dir, 'roster.csv'),
      [
        'upn,given_name,family_name,year_group,date_of_birth,contact1_name,contact1_email,contact1_phone,contact2_name,contact2_email,contact2_phone,flags',
        `${upn(1)},Ada,Stone,5,2015-02-02,Kim Stone,kim.stone@example.org,,,,,`,
        `${upn(2)},Bo,Reed,5,2015-03-03,Lu Reed,lu.reed@example.org,,,,,`,
      ].join('\n'),
    );
    // Ada is absent (O) every fifth day; Bo attends every session.
    const rows = ['upn,date,session,code'];
    cal.schoolDaysBetween(cal.firstSchoolDay, '2026-03-27').forEach((d, i) => {
      for (const s of ['AM', 'PM']) {
        rows.push(`${upn(1)},${d},${s},${i % 5 === 0 ? 'O' : s === 'AM' ? '/' : '\\'}`);
        rows.push(`${upn(2)},${d},${s},${s === 'AM' ? '/' : '\\'}`);
      }
    });
    writeFileSync(join(dir, 'marks.csv'), rows.join('\n'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('imports, evaluates and simulates', () => {
    const data = join(dir, 'data');
    const imported = attendance(
      [
        'import',
        '--school',
        SCHOOL_ID,
        '--calendar',
        join(dir, 'calendar.json'),
        '--roster',
        join(dir, 'roster.csv'),
        '--marks',
        join(dir, 'marks.csv'),
      ],
      data,
    );
    expect(imported.code, imported.stderr).toBe(0);

    const evaluated = attendance(
      [
        'evaluate',
        '--school',
        SCHOOL_ID,
        '--policy',
        'bradford-staged-intervention',
        '--on',
        '2025-11-17',
        '--json',
      ],
      data,
    );
    expect(evaluated.code, evaluated.stderr).toBe(0);
    const rows = JSON.parse(evaluated.stdout) as {
      upn: string;
      stage: string | null;
      attendance: number;
      reasons: string[];
    }[];
    const ada = rows.find((r) => r.upn === upn(1))!;
    const bo = rows.find((r) => r.upn === upn(2))!;
    expect(ada.stage).toBe('stage-two'); // 80% attendance
    expect(ada.attendance).toBe(80);
    expect(ada.reasons.join(' ')).toMatch(/below 90%/);
    expect(bo.stage).toBeNull();

    const simulated = attendance(
      [
        'simulate',
        '--school',
        SCHOOL_ID,
        '--policy',
        'bradford-staged-intervention',
        '--from',
        '2025-11-17',
        '--to',
        '2025-12-05',
        '--approve',
        'all',
        '--json',
      ],
      data,
    );
    expect(simulated.code, simulated.stderr).toBe(0);
    const cases = JSON.parse(simulated.stdout) as {
      upn: string;
      events: {
        date: string;
        type: string;
        stage: string | null;
        template?: string;
        text: string;
        subject?: string;
        recipients?: { name?: string; address?: string; channel: string }[];
      }[];
    }[];
    expect(cases.map((c) => c.upn)).toEqual([upn(1)]);
    const events = cases[0]!.events;
    expect(events[0]).toMatchObject({ date: '2025-11-17', type: 'opened', stage: 'stage-two' });
    // A school reads the term's letters before switching on: each as the family would get it.
    const letter = events.find((e) => e.type === 'letterSent')!;
    expect(letter).toMatchObject({
      stage: 'stage-two',
      template: 'bradford/warning-letter-1',
      subject: "Ada Stone's attendance at Harbour Lane Primary: Warning Letter 1",
      recipients: [{ name: 'Kim Stone', channel: 'email' }],
    });
    expect(letter.text).toMatch(/^\d{1,2} November 2025\n\nDear Kim Stone,\n/);
    expect(letter.text).toContain('Ada Stone');
    expect(problemsForParents(letter.text)).toEqual([]);
  }, 300_000);

  it('previews the route to the council: the evidence pack each case would have produced at its referral', () => {
    const data = join(dir, 'data');
    const out = join(dir, 'evidence');
    const simulated = attendance(
      [
        'simulate',
        '--school',
        SCHOOL_ID,
        '--policy',
        'three-letter-system',
        '--from',
        '2025-11-17',
        '--to',
        '2026-03-20',
        '--approve',
        'all',
        '--evidence',
        out,
        '--json',
      ],
      data,
    );
    expect(simulated.code, simulated.stderr).toBe(0);
    const cases = JSON.parse(simulated.stdout) as {
      upn: string;
      caseId: string;
      evidence?: { dir: string; asOf: string; packHash: string };
      events: { date: string; type: string; stepId?: string }[];
    }[];
    // Ada reaches the referral (Letters 1, 2 with its meeting, 3, then the local authority); Bo never has a case.
    expect(cases.map((c) => c.upn)).toEqual([upn(1)]);
    const ada = cases[0]!;
    expect(ada.evidence).toBeDefined();
    expect(ada.evidence!.dir).toBe(join(out, ada.caseId.replace(/[^\w.-]+/g, '_')));
    expect(readdirSync(out)).toEqual([ada.caseId.replace(/[^\w.-]+/g, '_')]);
    const manifestBytes = readFileSync(join(ada.evidence!.dir, 'manifest.json'));
    expect(createHash('sha256').update(manifestBytes).digest('hex')).toBe(ada.evidence!.packHash);
    const manifest = JSON.parse(manifestBytes.toString('utf8')) as {
      asOf: string;
      files: { name: string; sha256: string }[];
    };
    expect(manifest.asOf).toBe(ada.evidence!.asOf);
    expect(manifest.files.map((f) => f.name)).toContain('evidence.pdf');
    expect(manifest.files.filter((f) => f.name.startsWith('letters/')).length).toBeGreaterThanOrEqual(2);
    for (const f of manifest.files)
      expect(
        createHash('sha256')
          .update(readFileSync(join(ada.evidence!.dir, f.name)))
          .digest('hex'),
        f.name,
      ).toBe(f.sha256);
  }, 600_000);

  it('counts what two policies would do, week by week, as a spreadsheet', () => {
    const data = join(dir, 'data');
    const run = attendance(
      [
        'what-if',
        '--policy',
        'bradford-staged-intervention',
        '--compare',
        'three-letter-system',
        '--from',
        '2025-11-17',
        '--to',
        '2025-12-05',
        '--csv',
      ],
      data,
    );
    expect(run.code, run.stderr).toBe(0);
    const [header, ...rows] = run.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(','));
    const col = (name: string) => header!.indexOf(name);
    const row = (policy: string, week: string) => rows.find((r) => r[0] === policy && r[2] === week)!;
    // Every school in the store (this one), three school weeks and a total under each policy.
    expect(rows.map((r) => `${r[0]} ${r[2]}`)).toEqual([
      'bradford-staged-intervention 2025-11-17',
      'bradford-staged-intervention 2025-11-24',
      'bradford-staged-intervention 2025-12-01',
      'bradford-staged-intervention total',
      'three-letter-system 2025-11-17',
      'three-letter-system 2025-11-24',
      'three-letter-system 2025-12-01',
      'three-letter-system total',
    ]);
    // Ada (80%) opens at Bradford's Stage Two and gets Warning Letter 1 in the first week; under the
    // three-letter system she gets Letter 1. Bo is never written to.
    expect(row('bradford-staged-intervention', '2025-11-17')[col('opened_at_stage-two')]).toBe('1');
    expect(row('bradford-staged-intervention', '2025-11-17')[col('letters_bradford/warning-letter-1')]).toBe(
      '1',
    );
    expect(row('three-letter-system', 'total')[col('letters_three-letter/letter-1')]).toBe('1');
    expect(row('three-letter-system', 'total')[col('families_reached')]).toBe('1');
    // Asked for both formats at once: a clear refusal.
    const both = attendance(
      [
        'what-if',
        '--policy',
        'three-letter-system',
        '--from',
        '2025-11-17',
        '--to',
        '2025-11-21',
        '--csv',
        '--json',
      ],
      data,
    );
    expect(both.code).toBe(1);
    expect(both.stderr).toMatch(/choose one of --json and --csv/);
  }, 600_000);
});
