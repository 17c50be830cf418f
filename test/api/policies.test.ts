// Policies through the API: read the shipped files, validate pasted text (every issue with its rule
// and line), publish a version for a school (administrators), and the school then runs it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApp, makeUser, signIn, type Agent, type TestApp } from './helpers';
import { SCHOOL_A, seedSchool } from './fixtures';
import { policyForSchool } from '../../policies/schoolPolicy';

let t: TestApp;
let admin: Agent;
let officer: Agent;

beforeAll(async () => {
  t = await makeTestApp();
  await seedSchool(t.db, SCHOOL_A, 'Alder Primary', [{ given: 'Amira', family: 'Khan', year: 4 }]);
  admin = await signIn(t.app, (await makeUser(t.db, 'admin', [], { allSchools: true })).email);
  officer = await signIn(t.app, (await makeUser(t.db, 'officer', [SCHOOL_A])).email);
});
afterAll(async () => t?.close());

describe('policies', () => {
  it('lists the shipped files and reads one in plain English', async () => {
    const list = (await officer.get('/api/policies')).json();
    expect(list.files.map((f: { name: string }) => f.name)).toContain('bradford-staged-intervention');
    const file = (await officer.get('/api/policies/files/bradford-staged-intervention')).json();
    expect(file.text).toMatch(/^# yaml-language-server/);
    expect(file.policy.stages.length).toBeGreaterThan(1);
    expect(file.policy.text.length).toBeGreaterThan(100);
  });

  it('validates pasted text and lists every issue with its rule and line', async () => {
    const bad = await officer.post('/api/policies/validate', {
      text: 'id: Not An Id\nname: x\nstages: []\n',
      fileName: 'mine.yaml',
    });
    expect(bad.statusCode).toBe(200);
    const body = bad.json();
    expect(body.ok).toBe(false);
    expect(body.issues.length).toBeGreaterThan(1);
    for (const i of body.issues)
      expect(i).toMatchObject({
        file: 'mine.yaml',
        line: expect.any(Number),
        rule: expect.any(String),
        message: expect.any(String),
      });
    const syntax = (await officer.post('/api/policies/validate', { text: 'a: [1, 2\nb: }' })).json();
    expect(syntax.issues[0].rule).toBe('yaml.syntax');
    const file = (await officer.get('/api/policies/files/five-stage-escalation')).json();
    const good = (await officer.post('/api/policies/validate', { text: file.text })).json();
    expect(good.ok).toBe(true);
  });

  it('publishes a version for a school (administrators only); the school then runs it', async () => {
    const file = (await admin.get('/api/policies/files/five-stage-escalation')).json();
    expect(
      (await officer.post('/api/policies/publish', { text: file.text, schoolIds: [SCHOOL_A] })).statusCode,
    ).toBe(403);
    const invalid = await admin.post('/api/policies/publish', { text: 'id: x\n', schoolIds: [SCHOOL_A] });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().policyIssues.length).toBeGreaterThan(0);
    const res = await admin.post('/api/policies/publish', {
      text: file.text,
      fileName: 'five-stage-escalation.yaml',
      schoolIds: [SCHOOL_A],
      notes: 'Trial from January',
    });
    expect(res.statusCode).toBe(201);
    const current = (await officer.get(`/api/schools/${SCHOOL_A}/policy`)).json();
    expect(current).toMatchObject({ source: 'published', fileName: 'five-stage-escalation.yaml' });
    expect(current.policy.id).toBe('five-stage-escalation');
    expect((await policyForSchool(t.db, SCHOOL_A)).id).toBe('five-stage-escalation');
    const list = (await officer.get('/api/policies')).json();
    expect(list.published[0]).toMatchObject({
      schoolId: SCHOOL_A,
      policyId: 'five-stage-escalation',
      notes: 'Trial from January',
    });
    const audit = await t.db.query<{ action: string }>(
      `SELECT action FROM audit_log WHERE action = 'policy.publish'`,
    );
    expect(audit.rows).toHaveLength(1);
  });
});
