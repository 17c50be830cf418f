// The attendance team's decisions on proposed steps: reject with a reason, amend the letter,
// a stale or repeated decision refused, reminders and hand-over to a manager, and the timed
// letters the policy lets the system send by itself.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { CaseView } from '../../workflows/caseMessages';
import { MANAGER, OFFICER, markPattern, startHarness, type Harness } from './harness';

const START = '2025-11-17';
/** About 92%: Stage One. */
const stageOne = markPattern((date, s, i) => (date < START && i % 6 === 0 && s === 'AM' ? 'O' : null));
/** About 86%: Stage Two. */
const stageTwo = markPattern((_d, s, i) => (i % 7 === 0 ? 'O' : i % 11 === 0 && s === 'PM' ? 'O' : null));
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

  it('sends the letter as amended by the team', async () => {
    const [proposal] = await h.pending('ali');
    expect(proposal?.step.stepId).toBe('warning-letter-1');
    const text = 'We know Ali has found mornings hard since the move. Please come and see us so we can help.';
    await h.decide('ali', { proposalId: proposal!.proposalId, decision: 'amend', amendedText: text });
    await h.advanceSchoolDays(1);
    const mail = await h.smtp.waitFor(1);
    const toAli = mail.filter((m) => /Ali/.test(m.subject ?? ''));
    expect(toAli).toHaveLength(1);
    expect(toAli[0]!.text).toContain('found mornings hard since the move');
    const v = await h.viewWhen('ali', (view) => view.timeline.some((t) => t.type === 'letterSent'));
    expect(v.timeline.map((t) => t.type)).toEqual(expect.arrayContaining(['amended', 'letterSent']));
  });

  it('sends a timed message by itself where the policy allows, with no approval', async () => {
    const v = await h.viewWhen('pia', (view) => view.timeline.some((t) => t.type === 'messageSent'));
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

  it('reminds the team about a waiting approval, then hands it to a manager', async () => {
    const before = await h.view('rex');
    const [proposal] = before.pending;
    expect(proposal?.approver).toBe('team');
    // Nobody decides: two school days, then three more.
    await h.advanceSchoolDays(2);
    let v: CaseView = await h.viewWhen('rex', (view) => view.timeline.some((t) => t.type === 'reminderSent'));
    expect(v.timeline.some((t) => t.type === 'reminderSent')).toBe(true);
    await h.advanceSchoolDays(3);
    v = await h.viewWhen('rex', (view) => view.timeline.some((t) => t.type === 'escalatedToManager'));
    expect(v.timeline.some((t) => t.type === 'escalatedToManager')).toBe(true);
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
    expect(await refused(h.decide('rex', { proposalId: proposal!.proposalId, decision: 'approve' }))).toMatch(
      /manager/,
    );
    await h.decide('rex', { proposalId: proposal!.proposalId, decision: 'approve', actor: MANAGER });
    await h.advanceSchoolDays(1);
    v = await h.viewWhen('rex', (view) => view.timeline.some((t) => t.type === 'letterSent'));
    expect(v.timeline.some((t) => t.type === 'letterSent' && t.stepId === 'warning-letter-1')).toBe(true);
  });

  it('pauses a case (a hospital stay) and resumes it, and closes it with a reason', async () => {
    await h.record('rita', { event: { type: 'pause', reason: 'hospital stay' } });
    expect((await h.view('rita')).status).toBe('paused');
    expect(await refused(h.record('rita', { event: { type: 'pause', reason: 'again' } }))).toMatch(
      /already paused/,
    );
    await h.advanceSchoolDays(5);
    let v = await h.view('rita');
    const since = v.timeline.findIndex((t) => t.type === 'paused');
    expect(v.timeline.slice(since + 1).some((t) => t.type === 'proposed' || t.type === 'letterSent')).toBe(
      false,
    );
    await h.record('rita', { event: { type: 'resume' } });
    await h.record('rita', { event: { type: 'close', reason: 'Family moved abroad; off roll next week' } });
    v = await h.view('rita');
    expect(v.status).toBe('closed');
    expect(v.timeline.at(-1)?.text).toMatch(/moved abroad/);
    const { rows } = await h.db.query<{ status: string; closed_reason: string }>(
      `SELECT status, closed_reason FROM cases WHERE case_id = $1`,
      [v.caseId],
    );
    expect(rows[0]).toEqual({ status: 'closed', closed_reason: 'Family moved abroad; off roll next week' });
  });
});
