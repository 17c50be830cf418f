// The What-if page's API: a manager runs the three-letter system against Bradford's policy over two
// weeks of a school's marks, watches it run on its own thread, and reads the counts and the pupils
// whose routes differ. Officers cannot run one, another school's manager cannot see it, a broken
// pasted policy is refused with its issues, and the run is in the audit log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApp, makeUser, signIn, type Agent, type TestApp } from './helpers';
import { SCHOOL_B, seedSchool as seedOtherSchool } from './fixtures';
import { SCHOOL_ID } from '../workflows/harness';
import { FROM, seedSchool } from '../workflows/whatIfSchool';

let t: TestApp;
let manager: Agent;
let officer: Agent;
let otherManager: Agent;

beforeAll(async () => {
  t = await makeTestApp();
  await seedSchool(t.db);
  await seedOtherSchool(t.db, SCHOOL_B, 'Birch Primary', [{ given: 'Bo', family: 'Reed', year: 4 }]);
  manager = await signIn(t.app, (await makeUser(t.db, 'manager', [SCHOOL_ID])).email);
  officer = await signIn(t.app, (await makeUser(t.db, 'officer', [SCHOOL_ID])).email);
  otherManager = await signIn(t.app, (await makeUser(t.db, 'manager', [SCHOOL_B])).email);
});
afterAll(async () => t?.close());

const ask = (policy: object, extra: object = {}) => ({
  schoolId: SCHOOL_ID,
  policy,
  from: FROM,
  to: '2025-11-28',
  ...extra,
});

/** Polls the run as the page does, until it has finished (the thread reports each simulated day). */
async function finished(agent: Agent, id: string) {
  for (;;) {
    const res = await agent.get(`/api/what-if/${id}`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    if (body.status === 'done' || body.status === 'failed') return body;
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('what-if through the API', () => {
  it('is for managers and administrators, in their own schools', async () => {
    expect((await officer.post('/api/what-if', ask({ file: 'three-letter-system' }))).statusCode).toBe(403);
    expect((await otherManager.post('/api/what-if', ask({ file: 'three-letter-system' }))).statusCode).toBe(
      404,
    );
  });

  it('refuses what it cannot run, saying why', async () => {
    const pasted = await manager.post('/api/what-if', ask({ text: 'id: Not An Id\nname: x\nstages: []\n' }));
    expect(pasted.statusCode).toBe(400);
    expect(pasted.json().error).toMatch(/the pasted policy has problems/);
    expect(pasted.json().issues.length).toBeGreaterThan(0);
    const unknown = await manager.post('/api/what-if', ask({ file: 'no-such-policy' }));
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error).toMatch(/no shipped policy called "no-such-policy"/);
    const backwards = await manager.post(
      '/api/what-if',
      ask({ file: 'three-letter-system' }, { to: '2025-11-01' }),
    );
    expect(backwards.statusCode).toBe(400);
    const holiday = await manager.post(
      '/api/what-if',
      ask({ file: 'three-letter-system' }, { from: '2025-12-27', to: '2025-12-28' }),
    );
    expect(holiday.statusCode).toBe(400);
    expect(holiday.json().error).toMatch(/no school days between 2025-12-27 and 2025-12-28/);
  });

  it('runs two policies side by side and names the pupils whose routes differ', async () => {
    const started = await manager.post(
      '/api/what-if',
      ask({ file: 'three-letter-system' }, { compare: { file: 'bradford-staged-intervention' } }),
    );
    expect(started.statusCode).toBe(202);
    const { id } = started.json();
    // Another school's manager cannot read it. Another page answers meanwhile (this does not show it
    // answered before the run ended: the run's own thread is what keeps pages free, docs/what-if.md).
    expect((await otherManager.get(`/api/what-if/${id}`)).statusCode).toBe(404);
    expect((await manager.get('/api/policies')).statusCode).toBe(200);

    const run = await finished(manager, id);
    expect(run.error).toBeNull();
    expect(run.status).toBe('done');
    expect(run.done).toBe(run.total);
    expect(run.total).toBe(20); // ten school days, under each policy
    const [a, b] = run.reports;
    expect(a.policy.id).toBe('three-letter-system');
    expect(b.policy.id).toBe('bradford-staged-intervention');
    expect(a.weeks.map((w: { weekOf: string }) => w.weekOf)).toEqual(['2025-11-17', '2025-11-24']);
    expect(a.total.letters).toEqual({ 'three-letter/letter-1': 6 }); // the team approves (the default), so Dan's too
    expect(a.routes).toBeUndefined(); // every pupil's route stays on the server; the differences name them
    const ben = run.differences.find((d: { name: string }) => d.name === 'Ben Lewis');
    expect(ben.why).toMatch(
      /^Under Three-letter system \(local authority\) no case is opened; under Bradford/,
    );
    expect(ben.pupilId).toEqual(expect.any(String));
    expect(run.differences.map((d: { name: string }) => d.name)).not.toContain('Harry Owen');

    const audit = (await manager.get('/api/audit?action=whatIf.run')).json();
    expect(audit.entries[0]).toMatchObject({
      action: 'whatIf.run',
      targetId: id,
      schoolId: SCHOOL_ID,
      details: { policy: { id: 'three-letter-system' }, compare: { id: 'bradford-staged-intervention' } },
    });
  }, 600_000);
});
