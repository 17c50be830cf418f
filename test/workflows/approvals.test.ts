// The attendance team's decisions on proposed steps: reject with a reason, amend the letter,
// a stale or repeated decision refused, reminders and hand-over to a manager, and the timed
// letters the policy lets the system send by itself.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { CaseView } from '../../workflows/caseMessages';
import { MANAGER, OFFICER, SCENARIO_TIMEOUT_MS, markPattern, startHarness, type Harness } from './harness';

const START = '2025-11-17';
/** About 92%: Stage One. */
const stageOne = markPattern((date, s, i) => (date < START && i % 6 === 0 && s === 'AM' ? 'O' : null));
/** About 86%: Stage Two. */
const stageTwo = markPattern((_d, s, i) => (i % 7 === 0 ? 'O' : i % 11 === 0 && s === 'PM' ? 'O' : null));
/** About 92% all year, with an unauthorised absence every sixth day: Stage One, no improvement. */
const stageOneStill = markPattern((_d, s, i) => (i % 6 === 0 && s === 'AM' ? 'O' : null));
/** About 95.5%: "dropping towards 95%". */
const dropping = markPattern((date, s, i) => (date < START && i % 11 === 0 && s === 'AM' ? 'I' : null));

async function refused(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    return (err as WorkflowUpdateFailedError).cause?.message ?? '';
  }
  throw new Error('expected the decision to be refused');
}

describe('approving, rejecting and amending proposed steps', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      scenario: 'approvals',
      policy: 'bradford-staged-intervention',
      start: START,
      pupils: [
        { key: 'rita', givenName: 'Rita', familyName: 'Hale', mark: stageOne },
        {
          key: 'ali',
          givenName: 'Ali',
          familyName: 'Noor',
          contacts: [{ name: 'Hana Noor', email: 'hana.noor@example.org' }],
          mark: stageTwo,
        },
        { key: 'rex', givenName: 'Rex', familyName: 'Bell', mark: stageTwo },
        { key: 'tia', givenName: 'Tia', familyName: 'Ford', mark: stageOneStill },
        {
          key: 'cal',
          givenName: 'Cal',
          familyName: 'Reed',
          flags: ['cp'],
          contacts: [{ name: 'Lou Reed', email: 'lou.reed@example.org' }],
          mark: dropping,
        },
        {
          key: 'pia',
          givenName: 'Pia',
          familyName: 'Cole',
          contacts: [{ name: 'Jo Cole', email: 'jo.cole@example.org' }],
          mark: dropping,
        },
      ],
    });
    await h.sweep();
    // Tia's parents are made aware on the first day; two school weeks of monitoring follow.
    const [tiaStep] = await h.pending('tia');
    expect(tiaStep?.step.stepId).toBe('make-parents-aware');
    await h.decide('tia', { proposalId: tiaStep!.proposalId, decision: 'approve' });
    await h.completeTask('tia', 'make-parents-aware', 'spoke');
  }, 120_000);
  afterAll(async () => {
    await h?.shutdown();
  });

  it('rejects a step with a reason, and refuses a repeated or reason-less decision', async () => {
    const [proposal] = await h.pending('rita');
    expect(proposal?.step.stepId).toBe('make-parents-aware');
    expect(await refused(h.decide('rita', { proposalId: proposal!.proposalId, decision: 'reject' }))).toMatch(
      /needs a reason/,
    );

    await h.decide('rita', {
      proposalId: proposal!.proposalId,
      decision: 'reject',
      reason: 'Mum rang in: family bereavement',
    });
    expect(
      await refused(h.decide('rita', { proposalId: proposal!.proposalId, decision: 'approve' })),
    ).toMatch(/not pending|already been decided/);
    const v = await h.view('rita');
    const rejected = v.timeline.find((t) => t.type === 'rejected')!;
    expect(rejected.text).toContain('family bereavement');
    expect(rejected.actor).toEqual(OFFICER);
    expect(v.timeline.some((t) => t.type === 'taskCreated' && t.stepId === 'make-parents-aware')).toBe(false);
  });

  it('refuses an outcome that did not happen: a meeting never booked, a contract with no meeting, a day ahead', async () => {
    expect(
      await refused(
        h.record('rex', { event: { type: 'outcome', outcome: 'meetingAttended', stepId: 'panel-meeting' } }),
      ),
    ).toBe('no meeting was booked for that step on this case');
    expect(await refused(h.record('rex', { event: { type: 'outcome', outcome: 'meetingMissed' } }))).toBe(
      'say which meeting this is about',
    );
    expect(await refused(h.record('rex', { event: { type: 'outcome', outcome: 'contractSigned' } }))).toMatch(
      /^an attendance contract is signed or declined at a meeting with the parents, and none has taken place/,
    );
    const ahead = h.calendar.addSchoolDays(h.today(), 40);
    expect(
      await refused(
        h.record('rex', { on: ahead, event: { type: 'outcome', outcome: 'medicalEvidenceReceived' } }),
      ),
    ).toBe(`${ahead} is in the future: record what has happened`);
    const v = await h.view('rex');
    expect(v.timeline.filter((t) => t.type === 'outcomeRecorded')).toEqual([]);
    expect(v.caseState.outcomes).toEqual([]);
  });

  it('sends the letter as amended by the team', async () => {
    const [proposal] = await h.pending('ali');
    expect(proposal?.step.stepId).toBe('warning-letter-1');
    const text = 'We know Ali has found mornings hard since the move. Please come and see us so we can help.';
    await h.amend('ali', proposal!.proposalId, text);
    // The case acts on the decision at once: by the time it is quiet the letter has gone.
    const toAli = h.smtp.messages.filter((m) => /Ali/.test(m.subject ?? ''));
    expect(toAli).toHaveLength(1);
    expect(toAli[0]!.text).toContain('found mornings hard since the move');
    const v = await h.view('ali');
    const types = v.timeline.map((t) => t.type);
    expect(types.indexOf('amended')).toBeGreaterThan(-1);
    expect(types.indexOf('letterSent')).toBeGreaterThan(types.indexOf('amended'));
  });

  it('sends a timed message by itself where the policy allows, with no approval', async () => {
    const v = await h.view('pia');
    expect(v.stageId).toBe('early-reminder');
    expect(v.timeline.some((t) => t.type === 'proposed')).toBe(false);
    expect(
      v.timeline.some((t) => t.type === 'messageSent' && t.stepId === 'dropping-towards-95-message'),
    ).toBe(true);
    const { rows } = await h.db.query<{ to_address: string }>(
      `SELECT to_address FROM outbox WHERE case_id = $1`,
      [v.caseId],
    );
    expect(rows.map((r) => r.to_address)).toContain('jo.cole@example.org');
  });

  it('asks a person first before anything goes by itself to a family with a Child Protection plan', async () => {
    const v = await h.view('cal');
    expect(v.stageId).toBe('early-reminder');
    // The policy sends this message by itself; for Cal it waits for the team.
    expect(v.pending).toMatchObject([
      { approver: 'team', step: { stepId: 'dropping-towards-95-message', approval: 'team' } },
    ]);
    expect(v.timeline.some((t) => t.type === 'messageSent' || t.type === 'messageHeld')).toBe(false);
    const { rows } = await h.db.query(`SELECT 1 FROM outbox WHERE case_id = $1`, [v.caseId]);
    expect(rows).toEqual([]);
  });

  it(
    'reminds the team about a waiting approval, then hands it to a manager',
    async () => {
      const before = await h.view('rex');
      const [proposal] = before.pending;
      expect(proposal?.approver).toBe('team');
      // Nobody decides: a reminder after two school days, the hand-over after three more.
      await h.advanceSchoolDays(1);
      let v: CaseView = await h.view('rex');
      expect(v.timeline.some((t) => t.type === 'reminderSent')).toBe(false);
      await h.advanceSchoolDays(1);
      v = await h.view('rex');
      expect(v.timeline.filter((t) => t.type === 'reminderSent').map((t) => t.date)).toEqual([h.today()]);
      await h.advanceSchoolDays(2);
      expect((await h.view('rex')).timeline.some((t) => t.type === 'escalatedToManager')).toBe(false);
      await h.advanceSchoolDays(1);
      v = await h.view('rex');
      expect(v.timeline.filter((t) => t.type === 'escalatedToManager').map((t) => t.date)).toEqual([
        h.today(),
      ]);
      expect(v.pending[0]?.approver).toBe('manager');

      const { rows } = await h.db.query<{ subject: string }>(
        `SELECT subject FROM outbox WHERE case_id = $1 ORDER BY id`,
        [v.caseId],
      );
      expect(rows.map((r) => r.subject)).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^Reminder/),
          expect.stringMatching(/^Overdue approval/),
        ]),
      );
      // Now only a manager may decide it.
      expect(
        await refused(h.decide('rex', { proposalId: proposal!.proposalId, decision: 'approve' })),
      ).toMatch(/manager/);
      await h.decide('rex', { proposalId: proposal!.proposalId, decision: 'approve', actor: MANAGER });
      v = await h.view('rex');
      expect(v.timeline.find((t) => t.type === 'approved')?.actor).toEqual(MANAGER);
      expect(v.timeline.some((t) => t.type === 'letterSent' && t.stepId === 'warning-letter-1')).toBe(true);
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'holds back a step that falls due while a case is paused (a hospital stay), and takes it on resuming',
    async () => {
      // Tia's parents were called on Monday 17 November: monitoring until Monday 1 December.
      expect((await h.view('tia')).monitoringUntil).toBe('2025-12-01');

      while (h.today() < '2025-11-26') await h.advanceSchoolDays(1);
      await h.record('tia', { event: { type: 'pause', reason: 'hospital stay' } });
      expect((await h.view('tia')).status).toBe('paused');
      expect(await refused(h.record('tia', { event: { type: 'pause', reason: 'again' } }))).toMatch(
        /already paused/,
      );
      // The window ends while she is in hospital; with absences still unexplained, School letter 1
      // would be due, but nothing goes to the family while the case is paused.
      while (h.today() < '2025-12-03') await h.advanceSchoolDays(1);
      let v = await h.view('tia');
      const pausedAt = v.timeline.findIndex((t) => t.type === 'paused');
      expect(v.timeline.slice(pausedAt + 1)).toEqual([]);
      expect(h.smtp.messages.some((m) => /Tia/.test(m.subject ?? ''))).toBe(false);

      await h.record('tia', { event: { type: 'resume' } });
      v = await h.view('tia');
      const resumedAt = v.timeline.findIndex((t) => t.type === 'resumed');
      const letter = v.timeline.findIndex((t) => t.type === 'letterSent' && t.stepId === 'school-letter-1');
      expect(letter).toBeGreaterThan(resumedAt);
      expect(v.timeline[letter]!.date).toBe('2025-12-03');
      expect(
        h.smtp.messages.filter(
          (m) => /School letter 1/i.test(m.subject ?? '') && /Tia/.test(m.subject ?? ''),
        ),
      ).toHaveLength(1);
    },
    SCENARIO_TIMEOUT_MS,
  );

  it('closes a case with a reason', async () => {
    await h.record('rita', { event: { type: 'close', reason: 'Family moved abroad; off roll next week' } });
    const v = await h.view('rita');
    expect(v.status).toBe('closed');
    expect(v.timeline.at(-1)?.text).toMatch(/moved abroad/);
    const { rows } = await h.db.query<{ status: string; closed_reason: string }>(
      `SELECT status, closed_reason FROM cases WHERE case_id = $1`,
      [v.caseId],
    );
    expect(rows[0]).toEqual({ status: 'closed', closed_reason: 'Family moved abroad; off roll next week' });
  });
});
