// What the API says when a case turns an Update down. A refusal on purpose (a finished task, a
// repeated decision) is the case's own reason, as a 409. A case that faults while checking an Update
// changed nothing: a 503 that asks the person to try again, never the case's internals.
import { describe, expect, it } from 'vitest';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { ACTOR_KEYS_MISMATCH, CASE_NOT_READY, toErrorBody } from '../../api/errors';

const update = (type: string, message: string) =>
  new WorkflowUpdateFailedError('Workflow Update failed', ApplicationFailure.create({ type, message }));

describe('a case that turns an Update down', () => {
  it('is a 409 with the case’s own reason when it refuses on purpose', () => {
    expect(toErrorBody(update('Error', 'this task is already done'))).toEqual({
      error: 'this task is already done',
      statusCode: 409,
    });
  });

  it('is a 503 without the case’s internals when the case faults', () => {
    const body = toErrorBody(
      update('TypeError', "Cannot read properties of undefined (reading 'addSchoolWeeks')"),
    );
    expect(body).toEqual({ error: CASE_NOT_READY, statusCode: 503 });
    expect(JSON.stringify(body)).not.toMatch(/addSchoolWeeks|undefined/);
  });

  it('is a 503 for whoever runs the product when the workers cannot verify the API’s signature', () => {
    const body = toErrorBody(update('ActorNotVerified', 'refused: the signature does not match'));
    expect(body).toEqual({ error: ACTOR_KEYS_MISMATCH, statusCode: 503 });
  });

  it('is a 409 with the case’s reason when a decision is refused after the signature check', () => {
    expect(toErrorBody(update('DecisionRefused', 'proposal p-1 has already been decided'))).toEqual({
      error: 'proposal p-1 has already been decided',
      statusCode: 409,
    });
  });
});
