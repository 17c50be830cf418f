// Who decided is part of the evidence a council reads, so a case acts only on a decision whose actor
// the API signed (temporal/actorClaims.ts). Someone who can reach Temporal, but not the API's key,
// cannot approve a letter, add a note or tick off a visit in a person's name: the case refuses, and
// nothing is sent or recorded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { CLAIM_LIFETIME_MS, generateActorKeys, signActorClaim } from '../../temporal/actorClaims';
import { completeTask, decideStep, recordEvent, type StepDecision } from '../../workflows/caseMessages';
import { testActorKeys } from '../support/actorKeys';
import { MANAGER, OFFICER, markPattern, startHarness, type Harness } from './harness';

const START = '2025-11-17';
/** About 92% with unauthorised absence: Stage One, where parents are first made aware. */
const stageOne = markPattern((date, s, i) => (date < START && i % 6 === 0 && s === 'AM' ? 'O' : null));

/** The failure a refused decision comes back with: its type and message. */
async function refusal(p: Promise<unknown>): Promise<{ type: string | undefined; message: string }> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    const cause = (err as WorkflowUpdateFailedError).cause;
    return {
      type: cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined,
      message: cause?.message ?? '',
    };
  }
  throw new Error('expected the decision to be refused');
}

describe('a decision is taken only in the name the API signed', () => {
  let h: Harness;
  /** A caller who reaches Temporal directly: no interceptor, no key. */
  let intruder: Client;
  let ritaCase: string;
  let samCase: string;

  beforeAll(async () => {
    h = await startHarness({
      scenario: 'signedActors',
      policy: 'bradford-staged-intervention',
      start: START,
      pupils: [
        {
          key: 'rita',
          givenName: 'Rita',
          familyName: 'Hale',
          contacts: [{ name: 'Dee Hale', email: 'dee.hale@example.org' }],
          mark: stageOne,
        },
        {
          key: 'sam',
          givenName: 'Sam',
          familyName: 'Moss',
          contacts: [{ name: 'Kit Moss', email: 'kit.moss@example.org' }],
          mark: stageOne,
        },
      ],
    });
    await h.sweep();
    intruder = new Client({ connection: h.env.connection, namespace: h.env.namespace });
    ritaCase = (await h.caseIdOf('rita'))!;
    samCase = (await h.caseIdOf('sam'))!;
  }, 120_000);
  afterAll(async () => {
    await h?.shutdown();
  });

  const approval = async (key: string): Promise<StepDecision> => {
    const [proposal] = await h.pending(key);
    expect(proposal?.step.stepId).toBe('make-parents-aware');
    return { proposalId: proposal!.proposalId, decision: 'approve', actor: MANAGER };
  };

  it('refuses an approval sent in a manager’s name without the API’s signature, and the step stays waiting', async () => {
    const decision = await approval('rita');
    const refused = await refusal(
      intruder.workflow.getHandle(ritaCase).executeUpdate(decideStep, { args: [decision] }),
    );
    expect(refused).toEqual({
      type: 'ActorNotVerified',
      message: 'refused: the decision carries no signed actor',
    });

    const view = await h.view('rita');
    expect(view.pending.map((p) => p.proposalId)).toEqual([decision.proposalId]);
    expect(view.timeline.filter((e) => e.type === 'approved')).toEqual([]);
    expect(view.tasks ?? []).toEqual([]);
  });

  it('refuses a decision signed with a key the school never gave the API', async () => {
    const decision = await approval('rita');
    const stranger = generateActorKeys();
    const signed = signActorClaim(stranger, {
      workflowId: ritaCase,
      update: decideStep.name,
      message: decision,
    });
    const refused = await refusal(
      intruder.workflow.getHandle(ritaCase).executeUpdate(decideStep, { args: [{ ...decision, signed }] }),
    );
    expect(refused.message).toBe('refused: the decision was signed with a key this worker does not accept');
    expect((await h.pending('rita')).map((p) => p.proposalId)).toEqual([decision.proposalId]);
  });

  it('refuses a genuine signature moved to another case, another action, another person or a changed decision', async () => {
    const forRita = await approval('rita');
    const forSam = await approval('sam');
    const genuine = signActorClaim(testActorKeys, {
      workflowId: ritaCase,
      update: decideStep.name,
      message: forRita,
    });
    const send = (caseId: string, message: StepDecision) =>
      refusal(intruder.workflow.getHandle(caseId).executeUpdate(decideStep, { args: [message] }));

    // Rita's signed approval, copied onto Sam's case.
    expect((await send(samCase, { ...forSam, signed: genuine })).message).toBe(
      'refused: the decision was signed for another case',
    );
    // The same approval with the officer's name swapped for the manager's, or turned into a rejection.
    const asOfficer = { ...forRita, actor: OFFICER };
    const officerSigned = signActorClaim(testActorKeys, {
      workflowId: ritaCase,
      update: decideStep.name,
      message: asOfficer,
    });
    expect((await send(ritaCase, { ...asOfficer, actor: MANAGER, signed: officerSigned })).message).toBe(
      'refused: the decision differs from the one signed',
    );
    expect(
      (await send(ritaCase, { ...forRita, decision: 'reject', reason: 'not needed', signed: genuine }))
        .message,
    ).toBe('refused: the decision differs from the one signed');
    // A signature for a decision, used for a note.
    const note = { actor: MANAGER, event: { type: 'note' as const }, note: 'Spoke to mum' };
    const noteRefused = await refusal(
      intruder.workflow
        .getHandle(ritaCase)
        .executeUpdate(recordEvent, { args: [{ ...note, signed: genuine }] }),
    );
    expect(noteRefused.message).toBe('refused: the decision was signed for another action');

    expect((await h.pending('rita')).map((p) => p.proposalId)).toEqual([forRita.proposalId]);
    expect((await h.pending('sam')).map((p) => p.proposalId)).toEqual([forSam.proposalId]);
    expect((await h.view('rita')).timeline.filter((e) => e.type === 'note')).toEqual([]);
  });

  it('refuses a signed decision kept past its lifetime', async () => {
    const decision = await approval('rita');
    const stale = signActorClaim(
      testActorKeys,
      { workflowId: ritaCase, update: decideStep.name, message: decision },
      Date.now() - CLAIM_LIFETIME_MS - 60_000,
    );
    const refused = await refusal(
      intruder.workflow
        .getHandle(ritaCase)
        .executeUpdate(decideStep, { args: [{ ...decision, signed: stale }] }),
    );
    expect(refused.message).toBe('refused: the signed decision has expired');
  });

  it('takes the decision the API signed, in the name it signed, and the task that follows only from a signed caller', async () => {
    const decision = await approval('rita');
    await h.decide('rita', decision); // the harness's client signs, as the API's does
    const view = await h.view('rita');
    const approved = view.timeline.filter((e) => e.type === 'approved');
    expect(approved).toHaveLength(1);
    expect(approved[0]!.actor).toEqual(MANAGER);
    expect(view.pending).toEqual([]);

    // The call to the parents is now a task: ticking it off in someone's name needs a signature too.
    const task = view.tasks!.find((t) => t.stepId === 'make-parents-aware' && t.status === 'open')!;
    const forged = await refusal(
      intruder.workflow
        .getHandle(ritaCase)
        .executeUpdate(completeTask, { args: [{ actor: OFFICER, taskId: task.taskId, outcome: 'spoke' }] }),
    );
    expect(forged.type).toBe('ActorNotVerified');
    expect((await h.view('rita')).tasks!.find((t) => t.taskId === task.taskId)!.status).toBe('open');

    await h.completeTask('rita', 'make-parents-aware', 'spoke');
    const done = (await h.view('rita')).tasks!.find((t) => t.taskId === task.taskId)!;
    expect(done.status).toBe('done');
    expect(done.completedBy).toEqual(OFFICER);
  });
});
