// The evidence pack a council asks for, opened as the council would. Cleo's case opens at Stage Two
// (about 86%, all unauthorised); Warning Letter 1 goes to both parents; three school weeks on, the
// panel meeting is booked. A manager generates the pack, approves it (its hash goes on the case's
// timeline and in the audit log) and downloads it. The test unzips it, reads evidence.pdf with
// pdftotext (Debian's poppler-utils) and finds the pupil, each parent, every letter with its date,
// the register certificate's figures equal to the pupil's computed figures, and the sign-off; then it
// recomputes every SHA-256 in the manifest, and the manifest's own.
import { signingClient } from '../support/actorKeys';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvidencePackSummary } from '../../api/routes/evidence';
import type { Manifest } from '../../evidence/pack';
import { buildCalendar } from '../../domain/calendar';
import { computeWindowStats } from '../../domain/stats';
import { formatLongDate } from '../../letters/format';
import { listLettersForCase } from '../../store/caseServices';
import { loadMarkGrid } from '../../store/marks';
import { makeTestApp, makeUser, signIn, type Agent, type TestApp } from '../api/helpers';
import { CALENDAR, markPattern, startHarness, type Harness } from './harness';

const START = '2025-11-17';
const belowNinety = markPattern((_date, s, i) =>
  i % 7 === 0 ? 'O' : i % 11 === 0 && s === 'PM' ? 'O' : null,
);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('the evidence pack for a referral, read as the council reads it', () => {
  let h: Harness;
  let t: TestApp;
  let manager: Agent;
  let officer: Agent;
  let caseId: string;
  let dir: string;

  beforeAll(async () => {
    h = await startHarness({
      scenario: 'evidence-pack',
      policy: 'bradford-staged-intervention',
      start: START,
      pupils: [
        {
          key: 'cleo',
          givenName: 'Cleo',
          familyName: 'Morris',
          contacts: [
            { name: 'Jade Morris', email: 'jade.morris@example.org', phone: '07700 900123' },
            { name: 'Lee Morris', email: 'lee.morris@example.org' },
          ],
          mark: belowNinety,
        },
      ],
    });
    await h.sweep();
    for (let day = 0; day < 16; day++) {
      await h.approveAll();
      await h.advanceSchoolDays(1);
    }
    await h.approveAll();
    await h.waitForQuietCases();
    caseId = (await h.caseIdOf('cleo'))!;
    const client = signingClient({ connection: h.env.connection, namespace: h.env.namespace });
    t = await makeTestApp({ db: h.db, temporal: client, now: () => Date.parse(`${h.today()}T12:00:00Z`) });
    manager = await signIn(t.app, (await makeUser(h.db, 'manager', [CALENDAR.school])).email);
    officer = await signIn(t.app, (await makeUser(h.db, 'officer', [CALENDAR.school])).email);
    dir = mkdtempSync(join(tmpdir(), 'evidence-'));
  }, 480_000);

  afterAll(async () => {
    await t?.close();
    await h?.shutdown();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('only a manager generates, approves and downloads a pack; approval puts its hash on the timeline and in the audit log', async () => {
    expect((await officer.post(`/api/cases/${caseId}/evidence-packs`)).statusCode).toBe(403);
    const draft = await manager.post(`/api/cases/${caseId}/evidence-packs`);
    expect(draft.statusCode, draft.body).toBe(200);
    const d = draft.json<EvidencePackSummary>();
    expect(d.approved).toBe(false);
    const approved = await manager.post(`/api/evidence-packs/${d.id}/approve`);
    expect(approved.statusCode, approved.body).toBe(200);
    const a = approved.json<EvidencePackSummary & { onTimeline: boolean }>();
    expect(a).toMatchObject({ approved: true, draftOf: d.id, onTimeline: true });
    expect((await manager.post(`/api/evidence-packs/${d.id}/approve`)).statusCode).toBe(409);

    await h.waitForQuietCases();
    const v = await h.view('cleo');
    expect(v.timeline.some((e) => e.text.includes(`SHA-256 of its manifest ${a.packHash}`))).toBe(true);
    const { rows } = await h.db.query<{ action: string; details: { packHash: string } }>(
      `SELECT action, details FROM audit_log WHERE action LIKE 'evidence.%' ORDER BY id`,
    );
    expect(rows.map((r) => [r.action, r.details.packHash])).toEqual([
      ['evidence.generate', d.packHash],
      ['evidence.approve', a.packHash],
    ]);
  });

  it('the pack holds the PDF, each letter exactly as sent, and a manifest whose every hash checks', async () => {
    const approved = (await manager.get(`/api/cases/${caseId}/evidence-packs`))
      .json<EvidencePackSummary[]>()
      .find((p) => p.approved);
    expect((await officer.get(`/api/evidence-packs/${approved!.id}/download`)).statusCode).toBe(403);
    const res = await manager.get(`/api/evidence-packs/${approved!.id}/download`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/zip');
    const files = unzipSync(new Uint8Array(res.rawPayload));
    const manifestBytes = files['manifest.json']!;
    const manifest = JSON.parse(Buffer.from(manifestBytes).toString('utf8')) as Manifest;
    expect(sha(manifestBytes)).toBe(approved!.packHash);
    expect(Object.keys(files).sort()).toEqual([...manifest.files.map((f) => f.name), 'manifest.json'].sort());
    for (const f of manifest.files) expect(sha(files[f.name]!), f.name).toBe(f.sha256);

    // Each letter is the stored PDF, byte for byte.
    const letters = await listLettersForCase(h.db, caseId);
    expect(letters.length).toBeGreaterThanOrEqual(1);
    const { rows } = await h.db.query<{ pdf: Uint8Array }>(
      'SELECT pdf FROM letters WHERE case_id = $1 ORDER BY sent_on, id',
      [caseId],
    );
    const inPack = manifest.files.filter((f) => f.name.startsWith('letters/'));
    expect(inPack.map((f) => f.sha256)).toEqual(rows.map((r) => sha(r.pdf)));
    const downloads = await h.db.query(`SELECT 1 FROM audit_log WHERE action = 'evidence.download'`);
    expect(downloads.rows).toHaveLength(1);

    writeFileSync(join(dir, 'evidence.pdf'), files['evidence.pdf']!);
  });

  it('evidence.pdf names the pupil, each parent, every letter with its date, the register’s figures and the sign-off', async () => {
    const text = execFileSync('pdftotext', ['-layout', join(dir, 'evidence.pdf'), '-'], { encoding: 'utf8' });
    expect(text).toContain('Cleo Morris');
    expect(text).toMatch(/Jade Morris: jade\.morris@example\.org, 07700 900123/);
    expect(text).toMatch(/Lee Morris: lee\.morris@example\.org/);
    for (const l of await listLettersForCase(h.db, caseId))
      expect(text).toContain(`${formatLongDate(l.sentOn)}: ${l.subject}`);

    const calendar = buildCalendar(CALENDAR);
    const ytd = calendar.yearToDate(h.today());
    const f = computeWindowStats(
      await loadMarkGrid(h.db, h.pupilIds.get('cleo')!),
      calendar,
      ytd.from,
      h.today(),
    );
    expect(text).toMatch(new RegExp(`Possible sessions: ${f.possible}\\b`));
    expect(text).toMatch(new RegExp(`Sessions attended: ${f.present + f.approvedActivity}\\b`));
    expect(text).toMatch(new RegExp(`Unauthorised absence: ${f.unauthorised}\\b`));
    expect(text).toContain(`Attendance: ${f.attendancePct}%`);
    expect(text).toMatch(/Approved for the referral by: manager \d+/);
    expect(text).not.toMatch(/DRAFT/);
  });
});

describe('a case drafts its evidence pack at the referral step, for a manager to approve', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({
      scenario: 'evidence-at-referral',
      policy: 'three-letter-system',
      start: START,
      pupils: [{ key: 'sam', givenName: 'Sam', familyName: 'Rivers', mark: belowNinety }],
    });
    await h.sweep();
    const referralTask = async () => (await h.view('sam')).tasks?.find((t) => t.stepId === 'la-referral');
    while (h.today() < '2026-03-27' && !(await referralTask())) {
      await h.approveAll();
      await h.doTasks();
      await h.advanceSchoolDays(1);
    }
    await h.approveAll();
    await h.waitForQuietCases();
  }, 480_000);

  afterAll(async () => {
    await h?.shutdown();
  });

  it('the referral task says the pack is drafted, the timeline records its hash, and the draft waits for a manager', async () => {
    const v = await h.view('sam');
    const task = v.tasks?.find((t) => t.stepId === 'la-referral');
    expect(task, 'the case reached its referral step').toBeDefined();
    const { rows } = await h.db.query<{ id: string; pack_hash: string; approved_by: string | null }>(
      `SELECT id::text AS id, pack_hash, approved_by FROM evidence_packs WHERE case_id = $1 AND generated_by = 'case'`,
      [v.caseId],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.approved_by).toBeNull();
    const note = v.timeline.find((e) => e.type === 'note' && e.stepId === 'la-referral');
    expect(note?.text).toMatch(
      new RegExp(
        `^Evidence pack drafted for the referral: \\d+ documents, SHA-256 of its manifest ${rows[0]!.pack_hash}\\.`,
      ),
    );
    expect(note?.ref).toBe(rows[0]!.id);
    expect(task!.notes).toContain(`SHA-256 of its manifest ${rows[0]!.pack_hash}`);
  });
});
