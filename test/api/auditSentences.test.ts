// A head teacher reads the audit log as sentences with the pupil's name: "Dee approved Warning
// Letter 1 for Amira Khan", not "approval.approve · stepId: warning-letter-1". The entries keep ids
// only; names are looked up as the log is read, for a reader whose schools they are.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAudit } from '../../api/auth/audit';
import { sentenceFor } from '../../api/services/auditSentences';
import { makeTestApp, makeUser, signIn, type Agent, type TestApp } from './helpers';
import { SCHOOL_A, SCHOOL_B, seedTwoSchools } from './fixtures';

let t: TestApp;
let seed: Awaited<ReturnType<typeof seedTwoSchools>>;
let managerA: Agent;

const entry = (action: string, details: Record<string, unknown> = {}) => ({
  id: 1,
  at: '2026-11-30 10:00:00+00',
  userId: null,
  userName: null,
  role: 'officer',
  action,
  targetType: 'case',
  targetId: 'c',
  schoolId: 'S',
  details,
});

beforeAll(async () => {
  t = await makeTestApp({ now: () => Date.parse('2026-09-21T10:00:00Z') });
  seed = await seedTwoSchools(t.db);
  const officer = await makeUser(t.db, 'officer', [SCHOOL_A]);
  managerA = await signIn(t.app, (await makeUser(t.db, 'manager', [SCHOOL_A])).email);
  const actor = { id: officer.id, role: 'officer' };
  await writeAudit(t.db, actor, {
    action: 'approval.approve',
    targetType: 'case',
    targetId: seed.caseA,
    schoolId: SCHOOL_A,
    details: { stepId: 'warning-letter-1', title: 'Warning Letter 1' },
  });
  await writeAudit(t.db, actor, {
    action: 'case.event.outcome',
    targetType: 'case',
    targetId: seed.caseA,
    schoolId: SCHOOL_A,
    details: { outcome: 'meetingAttended', on: '2026-09-18' },
  });
  await writeAudit(t.db, actor, {
    action: 'approval.approve',
    targetType: 'case',
    targetId: seed.caseB,
    schoolId: SCHOOL_B,
    details: { stepId: 'warning-letter-1' },
  });
}, 60_000);
afterAll(async () => t?.close());

describe('the audit log in sentences', () => {
  it('says what each kind of entry means', () => {
    expect(sentenceFor(entry('approval.approve', { title: 'Warning Letter 1', amendedText: true }))).toBe(
      'approved Warning Letter 1 (as amended)',
    );
    expect(sentenceFor(entry('approval.reject', { stepId: 'make-parents-aware' }))).toBe(
      'rejected Make parents aware, with a reason',
    );
    expect(sentenceFor(entry('case.event.pause'))).toBe('paused the case');
    expect(sentenceFor(entry('case.event.note'))).toBe('added a note');
    expect(sentenceFor(entry('case.task.spoke', { kind: 'phoneCall' }))).toBe(
      'recorded “spoke” for a phone call',
    );
    expect(sentenceFor(entry('safeguarding.view', { pupilIds: ['a', 'b'] }))).toBe(
      'saw safeguarding flags of 2 pupils',
    );
    expect(sentenceFor(entry('auth.login_failed'))).toBe('failed to sign in');
  });

  it('names the pupil for a reader of that school, and shows no other school’s entries', async () => {
    const res = await managerA.get('/api/audit');
    expect(res.statusCode).toBe(200);
    const mine = res
      .json()
      .entries.filter(
        (e: { action: string }) => e.action.startsWith('approval.') || e.action.startsWith('case.'),
      )
      .map((e: { sentence: string; pupilName: string | null }) => `${e.sentence} for ${e.pupilName}`);
    expect(mine).toEqual([
      'recorded “meeting attended” on 2026-09-18 for Amira Khan',
      'approved Warning Letter 1 for Amira Khan',
    ]);
  });
});
