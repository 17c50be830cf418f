// Decisions and human events reach the case as Updates on a real Temporal server (the dev server).
// Accepted: 200 and an audit entry. Refused by the case's validator (stale, repeated, closed): 409
// with the case's reason — never a 500. A case that is not running: 404.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startDevServer } from '../support/temporal';
import { makeTestApp, makeUser, signIn, type Agent, type TestApp } from './helpers';
import { caseView, insertCase, proposal, SCHOOL_A, seedSchool, upn } from './fixtures';

const TASK_QUEUE = 'api-decisions';
let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
let t: TestApp;
let officer: Agent;
let manager: Agent;
const cases: Record<string, string> = {};

beforeAll(async () => {
  env = await startDevServer();
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: TASK_QUEUE,
    workflowsPath: fileURLToPath(new URL('./workflows/fakeCase.ts', import.meta.url)),
  });
  running = worker.run();
  t = await makeTestApp({ temporal: env.client, taskQueue: TASK_QUEUE });
  const pupils = await seedSchool(t.db, SCHOOL_A, 'Alder Primary', [
    { given: 'Amira', family: 'Khan', year: 4 },
    { given: 'Ben', family: 'Lewis', year: 5 },
    { given: 'Cleo', family: 'Morris', year: 6 },
  ]);
  for (const [i, name] of ['one', 'two', 'gone'].entries()) {
    const pupilId = pupils.get(upn(i + 1, SCHOOL_A))!;
    const id = `case-${SCHOOL_A}-${pupilId}-20260915`;
    cases[name] = id;
    const view = caseView(id, SCHOOL_A, pupilId, [
      proposal(`${name}-team`, 'team'),
      proposal(`${name}-manager`, 'manager'),
    ]);
    await insertCase(t.db, view);
    // 'gone' has a projection but no running workflow.
    if (name !== 'gone')
      await env.client.workflow.start('fakeCase', {
        taskQueue: TASK_QUEUE,
        workflowId: id,
        args: [{ view }],
      });
  }
  officer = await signIn(t.app, (await makeUser(t.db, 'officer', [SCHOOL_A])).email);
  manager = await signIn(t.app, (await makeUser(t.db, 'manager', [SCHOOL_A])).email);
}, 240_000);

afterAll(async () => {
  await t?.close();
  worker?.shutdown();
  await running?.catch(() => undefined);
  await env?.teardown();
});

describe('decisions', () => {
  it('approves a team step and audits who decided', async () => {
    const res = await officer.post(`/api/approvals/${cases.one}/one-team/decision`, { decision: 'approve' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ caseId: cases.one, proposalId: 'one-team', status: 'approved' });
    const { rows } = await t.db.query<{ action: string; target_id: string; details: { proposalId: string } }>(
      `SELECT action, target_id, details FROM audit_log WHERE action LIKE 'approval.%'`,
    );
    expect(rows).toEqual([
      expect.objectContaining({
        action: 'approval.approve',
        target_id: cases.one,
        details: expect.objectContaining({ proposalId: 'one-team', approver: 'team' }),
      }),
    ]);
  });

  it('answers a repeated decision with 409 and the case’s reason (the projection is stale)', async () => {
    const res = await officer.post(`/api/approvals/${cases.one}/one-team/decision`, { decision: 'approve' });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatch(/already been decided/);
  });

  it('needs a reason to reject (400), and lets a manager reject a manager step with one', async () => {
    const none = await manager.post(`/api/approvals/${cases.one}/one-manager/decision`, {
      decision: 'reject',
    });
    expect(none.statusCode).toBe(400);
    expect(none.json().issues[0]).toMatchObject({ path: 'body.reason' });
    const ok = await manager.post(`/api/approvals/${cases.one}/one-manager/decision`, {
      decision: 'reject',
      reason: 'Family already meeting the SENCO',
    });
    expect(ok.json()).toMatchObject({ status: 'rejected' });
  });

  it('amends a letter with new text', async () => {
    const res = await officer.post(`/api/approvals/${cases.two}/two-team/decision`, {
      decision: 'amend',
      amendedText: 'Dear family,\n\nWe would like to talk.',
    });
    expect(res.json()).toMatchObject({ status: 'amended' });
  });

  it('approves in bulk, each item with its own result', async () => {
    const res = await manager.post('/api/approvals/bulk', {
      decision: 'approve',
      items: [
        { caseId: cases.two, proposalId: 'two-manager' },
        { caseId: cases.two, proposalId: 'two-team' },
        { caseId: cases.gone, proposalId: 'gone-team' },
        { caseId: 'case-unknown', proposalId: 'x' },
      ],
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ approved: 1, failed: 3 });
    expect(
      body.results.map((r: { ok: boolean; statusCode?: number }) => (r.ok ? 200 : r.statusCode)),
    ).toEqual([200, 409, 404, 404]);
  });

  it('reads a case live from the workflow', async () => {
    const res = await officer.get(`/api/cases/${cases.two}`);
    expect(res.json().source).toBe('workflow');
    expect(res.json().case.pending).toEqual([]);
    const gone = await officer.get(`/api/cases/${cases.gone}`);
    expect(gone.json().source).toBe('projection');
  });
});

describe('human events', () => {
  it('records an outcome and closes the case; afterwards the case refuses events with 409', async () => {
    const outcome = await officer.post(`/api/cases/${cases.two}/events`, {
      type: 'outcome',
      outcome: 'medicalEvidenceReceived',
      note: 'GP letter',
    });
    expect(outcome.statusCode).toBe(200);
    expect(outcome.json()).toMatchObject({ accepted: true });
    const bad = await officer.post(`/api/cases/${cases.two}/events`, {
      type: 'outcome',
      outcome: 'gotBetter',
    });
    expect(bad.statusCode).toBe(400);
    const close = await manager.post(`/api/cases/${cases.two}/events`, {
      type: 'close',
      reason: 'Moved school',
    });
    expect(close.statusCode).toBe(200);
    const after = await officer.post(`/api/cases/${cases.two}/events`, {
      type: 'note',
      note: 'Called the family',
    });
    expect([404, 409]).toContain(after.statusCode);
    expect(after.json().error.length).toBeGreaterThan(5);
    const { rows } = await t.db.query<{ action: string }>(
      `SELECT action FROM audit_log WHERE action LIKE 'case.event.%' ORDER BY id`,
    );
    expect(rows.map((r) => r.action)).toEqual(['case.event.outcome', 'case.event.close']);
  });

  it('answers 404 for a case whose workflow is not running', async () => {
    const res = await officer.post(`/api/cases/${cases.gone}/events`, { type: 'note', note: 'x' });
    expect(res.statusCode).toBe(404);
  });
});
