// What the officer approves is what the family gets, byte for byte. When a step is proposed its
// letter is rendered once and stored with the proposal (its plan); the approvals page previews that
// plan (api/services/letterPreview.ts, the function the route calls), and the send activity sends
// exactly it. Here a parent reads the letter the SMTP server received and finds the words the
// officer read, even though the pupil's figures changed while the letter waited for approval.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParsedMail } from 'mailparser';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { previewProposal } from '../../api/services/letterPreview';
import type { LetterPlan } from '../../domain/stepPlan';
import { amendLetterPlan } from '../../letters/plan';
import { getLetter, listLettersForCase } from '../../store/caseServices';
import { SCHOOL_ID, markPattern, startHarness, type Harness } from './harness';

const START = '2025-11-17';
/** About 86%, and absent again on the days after START: Stage Two, figures that keep moving. */
const stageTwo = markPattern((_d, s, i) => (i % 7 === 0 ? 'O' : i % 11 === 0 && s === 'PM' ? 'O' : null));

const forPupil = (h: Harness, name: string) =>
  h.smtp.messages.filter((m) => (m.subject ?? '').includes(name));
const getLetterIds = async (h: Harness, caseId: string) =>
  (await listLettersForCase(h.db, caseId)).map((l) => l.id);
const normalise = (s: string | false | undefined) =>
  String(s ?? '')
    .replace(/\r\n/g, '\n')
    .trimEnd();

describe('the letter the officer approved is the letter the family gets', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      policy: 'bradford-staged-intervention',
      start: START,
      scenario: 'plans',
      pupils: [
        {
          key: 'ola',
          givenName: 'Ola',
          familyName: 'Ward',
          contacts: [{ name: 'Bea Ward', email: 'bea.ward@example.org' }],
          mark: stageTwo,
        },
        {
          key: 'ivo',
          givenName: 'Ivo',
          familyName: 'Lund',
          contacts: [{ name: 'Di Lund', email: 'di.lund@example.org' }],
          mark: stageTwo,
        },
        {
          key: 'zed',
          givenName: 'Zed',
          familyName: 'Kerr',
          contacts: [{ name: 'Mo Kerr', email: 'mo.kerr@example.org' }],
          mark: stageTwo,
        },
        {
          key: 'una',
          givenName: 'Una',
          familyName: 'Roe',
          contacts: [{ name: 'Cal Roe', email: 'cal.roe@example.org' }],
          mark: stageTwo,
        },
      ],
    });
    await h.sweep();
  }, 120_000);
  afterAll(async () => {
    await h?.shutdown();
  });

  it('sends Warning Letter 1 exactly as previewed, though it was approved two school days later', async () => {
    const v = await h.view('ola');
    const [proposal] = v.pending;
    expect(proposal?.step.stepId).toBe('warning-letter-1');
    const preview = await previewProposal(h.db, v, proposal!, h.today());
    expect(preview.planHash).toBe(proposal!.plan!.hash);

    // Two more days of marks: the figures move on, the letter does not.
    await h.advanceSchoolDays(2);
    expect((await h.view('ola')).latestFacts!.asOf).not.toBe(v.latestFacts!.asOf);
    await h.decide('ola', {
      proposalId: proposal!.proposalId,
      decision: 'approve',
      planHash: preview.planHash!,
    });

    const [mail] = forPupil(h, 'Ola') as ParsedMail[];
    expect(mail!.subject).toBe(preview.subject);
    expect(normalise(mail!.text)).toBe(normalise(preview.text));
    expect(normalise(mail!.html)).toBe(normalise(preview.html!));
    // The evidence kept is the same letter, dated the day it was written.
    const sent = (await h.view('ola')).timeline.find((t) => t.type === 'letterSent')!;
    const letter = (await getLetter(h.db, sent.ref!))!;
    expect(letter.bodyText).toBe(preview.text);
    expect(letter.html).toBe(preview.html);
    expect(letter.bodyText.startsWith('17 November 2025')).toBe(true);
    expect(letter.sentOn).toBe(h.today());
  });

  it('sends the amended wording exactly as the officer saw it', async () => {
    const v = await h.view('una');
    const [proposal] = v.pending;
    const words =
      'We know Una has found mornings hard since the move. Please come and see us so we can help.';
    const preview = await previewProposal(h.db, v, proposal!, h.today(), words);
    expect(preview.amended).toBe(true);
    expect(preview.planHash).not.toBe(proposal!.plan!.hash);
    await h.decide('una', {
      proposalId: proposal!.proposalId,
      decision: 'amend',
      amendedPlan: preview.amendedPlan!,
      planHash: preview.planHash!,
    });
    const [mail] = forPupil(h, 'Una');
    expect(normalise(mail!.text)).toBe(normalise(preview.text));
    expect(mail!.text).toContain('found mornings hard since the move');
  });

  it('refuses an approval given for a different letter from the one waiting', async () => {
    const v = await h.view('ivo');
    const [proposal] = v.pending;
    const err = await h
      .decide('ivo', { proposalId: proposal!.proposalId, decision: 'approve', planHash: 'f'.repeat(64) })
      .then(
        () => null,
        (e: unknown) => e as WorkflowUpdateFailedError,
      );
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(err!.cause?.message).toMatch(/changed since it was shown to you/);
    expect(forPupil(h, 'Ivo')).toEqual([]);
    expect((await h.view('ivo')).pending).toHaveLength(1);
  });

  it('never sends a letter whose words changed after it was sealed; a person gets the step instead', async () => {
    const v = await h.view('zed');
    const [proposal] = v.pending;
    const amended = await amendLetterPlan(
      h.db,
      proposal!.plan as LetterPlan,
      { schoolId: SCHOOL_ID, pupilId: v.pupilId, channel: proposal!.step.channel },
      'Please come and see us.',
    );
    // Words slipped in after the hash was taken (a fault between the preview and the case).
    const tampered = {
      ...amended,
      content: { ...amended.content, text: `${amended.content.text}\nP.S. A fine is coming.` },
    };
    await h.decide('zed', {
      proposalId: proposal!.proposalId,
      decision: 'amend',
      amendedPlan: tampered,
      planHash: amended.hash,
    });
    const after = await h.view('zed');
    const failed = after.timeline.find((t) => t.type === 'stepFailed')!;
    expect(failed.text).toMatch(
      /^Warning Letter 1 could not be done automatically \(the letter is not what was approved/,
    );
    expect(after.tasks!.map((t) => t.title)).toEqual([
      expect.stringMatching(/^Do by hand: Warning Letter 1/),
    ]);
    expect(forPupil(h, 'Zed')).toEqual([]);
    expect(await getLetterIds(h, after.caseId)).toEqual([]);
  });
});
