// A second pair of eyes on who gets letters (docs/contact-changes.md), as a school lives it: the
// MIS export says Mum has a new email address. The change is kept with the old and new values and
// who imported it; with the school's second approval on, the next letter still goes to the old
// address until a second manager approves, and the importer cannot approve their own change.
// Letters go out through the real send activity to a real SMTP server.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLetterActivities } from '../../activities/letters';
import { SmtpMailer } from '../../messaging/smtpMailer';
import { getPupil } from '../../store/pupils';
import { FIGURES, mailTo, startSmtp, type LocalSmtp } from '../activities/support';
import { calendarFor, SCHOOL_A, SCHOOL_B, upn } from './fixtures';
import { makeTestApp, makeUser, signIn, type Agent, type TestApp } from './helpers';

const HEADER =
  'upn,given_name,family_name,year_group,date_of_birth,contact1_name,contact1_email,contact1_phone,contact2_name,contact2_email,contact2_phone,flags';
const AMIRA = upn(1, SCHOOL_A);

/** The school's roster export: Amira Khan with Mum (Sara) and Dad (Imran), as the MIS has them now. */
function roster(mum: { name?: string; email?: string; phone?: string } = {}, flags = ''): string {
  const m = { name: 'Sara Khan', email: 'sara.khan@example.org', phone: '07700 900001', ...mum };
  return [
    HEADER,
    `${AMIRA},Amira,Khan,4,2015-03-14,${m.name},${m.email},${m.phone},Imran Khan,imran.khan@example.org,,${flags}`,
    `${upn(2, SCHOOL_A)},Ben,Lewis,R,2019-11-02,Tom Lewis,tom@example.org,,,,,`,
  ].join('\n');
}

let t: TestApp;
let smtp: LocalSmtp;
let mailer: SmtpMailer;
let importer: Agent & { id: string };
let secondManager: Agent & { id: string };
let admin: Agent;
let officer: Agent;
let managerB: Agent;
let amiraId: string;

async function agent(role: 'officer' | 'manager' | 'admin', schools: string[]) {
  const user = await makeUser(t.db, role, schools);
  return Object.assign(await signIn(t.app, user.email), { id: user.id });
}

async function importRoster(by: Agent, csv: string) {
  const res = await by.post('/api/imports?wait=true', { schoolId: SCHOOL_A, roster: csv });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().summary.roster as {
    importId: string;
    watched: { applied: number; pending: number };
  };
}

/** The next letter to Amira's family, sent as a case sends it; the addresses that received it. */
async function nextLetter(): Promise<{ to: string[]; greeting: string }> {
  const before = smtp.received.length;
  const { sendLetter } = createLetterActivities({ db: t.db, mailer });
  const sent = await sendLetter({
    sendId: randomUUID(),
    caseId: `case-${SCHOOL_A}-${amiraId}-20261005`,
    schoolId: SCHOOL_A,
    pupilId: amiraId,
    stageId: 'stage-one',
    stepId: 'school-letter-1',
    template: 'bradford/school-letter-1',
    channel: 'letter',
    date: '2026-10-14',
    figures: FIGURES,
    reasons: [],
  });
  await smtp.waitFor(before + sent.recipients);
  const mails = smtp.received.slice(before);
  return {
    to: mails.map(mailTo).sort(),
    greeting: /Dear [^,]+,/.exec(mails[0]?.text ?? '')?.[0] ?? '',
  };
}

async function history(by: Agent) {
  const res = await by.get(`/api/pupils/${amiraId}/contact-history`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json().changes as {
    id: string;
    field: string;
    oldValue: string | null;
    newValue: string | null;
    importId: string;
    status: string;
    changedBy: { userId: string | null; role: string };
    decidedBy: { userId: string | null; role: string } | null;
  }[];
}

async function pending(by: Agent) {
  const res = await by.get(`/api/schools/${SCHOOL_A}/contact-changes`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json().changes as { id: string; field: string; oldValue: string; newValue: string }[];
}

async function setSecondApproval(on: boolean) {
  const res = await admin.request({
    method: 'PUT',
    url: `/api/schools/${SCHOOL_A}/settings`,
    payload: { contactChangesNeedApproval: on },
  });
  expect(res.statusCode, res.body).toBe(200);
}

beforeAll(async () => {
  [t, smtp] = await Promise.all([makeTestApp(), startSmtp()]);
  mailer = new SmtpMailer({ url: smtp.url, from: 'Alder Attendance <attendance@alder.example>' });
  importer = await agent('manager', [SCHOOL_A]);
  secondManager = await agent('manager', [SCHOOL_A]);
  admin = await agent('admin', [SCHOOL_A]);
  officer = await agent('officer', [SCHOOL_A]);
  managerB = await agent('manager', [SCHOOL_B]);
  const first = await importer.post('/api/imports?wait=true', {
    schoolId: SCHOOL_A,
    calendar: JSON.stringify(calendarFor(SCHOOL_A, 'Alder Primary')),
    roster: roster(),
  });
  expect(first.statusCode, first.body).toBe(201);
  const { rows } = await t.db.query<{ id: string }>('SELECT id::text AS id FROM pupils WHERE upn = $1', [
    AMIRA,
  ]);
  amiraId = rows[0]!.id;
});

afterAll(async () => {
  mailer?.close();
  await smtp?.close();
  await t?.close();
});

describe('a roster import changes Mum’s email', () => {
  beforeEach(async () => {
    // Each scenario starts from the roster as first imported, the second approval off.
    await setSecondApproval(false);
    await importRoster(importer, roster());
  });

  it('the history shows the old and new address, which import brought it and who ran it; letters use it at once', async () => {
    expect((await nextLetter()).to).toEqual(['imran.khan@example.org', 'sara.khan@example.org']);

    const imported = await importRoster(importer, roster({ email: 'sara.k@newmail.example' }));
    expect(imported.watched).toEqual({ applied: 1, pending: 0 });

    const [latest] = await history(secondManager);
    expect(latest).toMatchObject({
      field: 'contact1_email',
      oldValue: 'sara.khan@example.org',
      newValue: 'sara.k@newmail.example',
      importId: imported.importId,
      status: 'applied',
      changedBy: { userId: importer.id, role: 'manager' },
    });
    expect((await nextLetter()).to).toEqual(['imran.khan@example.org', 'sara.k@newmail.example']);
    // Re-importing the same file is not another change.
    expect((await importRoster(importer, roster({ email: 'sara.k@newmail.example' }))).watched).toEqual({
      applied: 0,
      pending: 0,
    });
  });

  it('with second approval on, the next letter still goes to the old address until a second manager approves', async () => {
    await setSecondApproval(true);
    const imported = await importRoster(importer, roster({ email: 'sara.k@newmail.example' }));
    expect(imported.watched).toEqual({ applied: 0, pending: 1 });

    // Waiting: listed for the school's managers, and the letter goes where it always went.
    const [waiting, ...others] = await pending(secondManager);
    expect(others).toEqual([]);
    expect(waiting).toMatchObject({
      field: 'contact1_email',
      oldValue: 'sara.khan@example.org',
      newValue: 'sara.k@newmail.example',
      pupil: { upn: AMIRA, givenName: 'Amira', familyName: 'Khan' },
      changedBy: { userId: importer.id, role: 'manager' },
      importId: imported.importId,
    });
    expect((await getPupil(t.db, amiraId))!.contacts[0]!.email).toBe('sara.khan@example.org');
    expect((await nextLetter()).to).toEqual(['imran.khan@example.org', 'sara.khan@example.org']);

    // Tomorrow's export says the same: still one change waiting, not two.
    expect((await importRoster(importer, roster({ email: 'sara.k@newmail.example' }))).watched).toEqual({
      applied: 0,
      pending: 0,
    });
    expect(await pending(secondManager)).toHaveLength(1);

    // The importer cannot approve their own change; an officer cannot approve at all.
    const own = await importer.post(`/api/contact-changes/${waiting!.id}/approve`, {});
    expect([own.statusCode, own.json().error]).toEqual([
      403,
      expect.stringMatching(/someone else must approve/),
    ]);
    expect((await officer.post(`/api/contact-changes/${waiting!.id}/approve`, {})).statusCode).toBe(403);
    expect((await nextLetter()).to).toEqual(['imran.khan@example.org', 'sara.khan@example.org']);

    // A second manager approves: from now on letters go to the new address.
    const approved = await secondManager.post(`/api/contact-changes/${waiting!.id}/approve`, {
      note: 'Checked with Mrs Khan by phone',
    });
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json().change).toMatchObject({
      status: 'approved',
      decidedBy: { userId: secondManager.id, role: 'manager' },
      decisionNote: 'Checked with Mrs Khan by phone',
    });
    expect((await nextLetter()).to).toEqual(['imran.khan@example.org', 'sara.k@newmail.example']);
    expect(await pending(secondManager)).toEqual([]);

    // Decided once: approving again is a conflict.
    expect((await secondManager.post(`/api/contact-changes/${waiting!.id}/approve`, {})).statusCode).toBe(
      409,
    );

    // Audited, in ids and choices only: no address in the audit log.
    const { rows } = await t.db.query<{ user_id: string; details: Record<string, unknown> }>(
      `SELECT user_id::text AS user_id, details FROM audit_log WHERE action = 'contactChange.approved'`,
    );
    expect(rows).toEqual([
      {
        user_id: secondManager.id,
        details: expect.objectContaining({
          changeId: waiting!.id,
          field: 'contact1_email',
          madeBy: importer.id,
        }),
      },
    ]);
    expect(JSON.stringify(rows)).not.toMatch(/example|Mrs Khan/);
  });

  it('a new Mum on the roster waits whole: the letter keeps her name and address until approved', async () => {
    await setSecondApproval(true);
    await importRoster(importer, roster({ name: 'Nadia Rahman', email: 'nadia@example.org', phone: '' }));
    const waiting = await pending(secondManager);
    expect(waiting.map((c) => [c.field, c.oldValue, c.newValue])).toEqual([
      ['contact1_name', 'Sara Khan', 'Nadia Rahman'],
      ['contact1_email', 'sara.khan@example.org', 'nadia@example.org'],
      ['contact1_phone', '07700 900001', null],
    ]);
    expect(await nextLetter()).toEqual({
      to: ['imran.khan@example.org', 'sara.khan@example.org'],
      greeting: 'Dear Sara Khan and Imran Khan,',
    });
    for (const c of waiting)
      expect((await secondManager.post(`/api/contact-changes/${c.id}/approve`, {})).statusCode).toBe(200);
    expect(await nextLetter()).toEqual({
      to: ['imran.khan@example.org', 'nadia@example.org'],
      greeting: 'Dear Nadia Rahman and Imran Khan,',
    });
  });

  it('a rejected change leaves the old address in force; a later export with another address replaces a waiting one', async () => {
    await setSecondApproval(true);
    await importRoster(importer, roster({ email: 'typo@exmaple.org' }));
    const [typo] = await pending(secondManager);
    // The importer may withdraw their own change.
    const rejected = await importer.post(`/api/contact-changes/${typo!.id}/reject`, {
      note: 'typo in the MIS',
    });
    expect(rejected.json().change).toMatchObject({ status: 'rejected' });
    expect((await nextLetter()).to).toEqual(['imran.khan@example.org', 'sara.khan@example.org']);

    await importRoster(importer, roster({ email: 'first@example.org' }));
    await importRoster(importer, roster({ email: 'second@example.org' }));
    const waiting = await pending(secondManager);
    expect(waiting.map((c) => c.newValue)).toEqual(['second@example.org']);
    // The MIS goes back to the address in force: nothing waits any more.
    await importRoster(importer, roster());
    expect(await pending(secondManager)).toEqual([]);

    const trail = (await history(secondManager)).filter((c) => c.field === 'contact1_email').slice(0, 3);
    expect(trail.map((c) => [c.newValue, c.status])).toEqual([
      ['second@example.org', 'superseded'],
      ['first@example.org', 'superseded'],
      ['typo@exmaple.org', 'rejected'],
    ]);
    // Approving a change already replaced is refused, and changes nothing.
    const late = await secondManager.post(`/api/contact-changes/${waiting[0]!.id}/approve`, {});
    expect([late.statusCode, late.json().error]).toEqual([
      409,
      expect.stringMatching(/replaced by a later import/),
    ]);
    expect((await getPupil(t.db, amiraId))!.contacts[0]!.email).toBe('sara.khan@example.org');
  });
});

describe('safeguarding flags', () => {
  it('a flag set takes effect at once even with second approval on; taking it off waits for a second person', async () => {
    await setSecondApproval(true);
    await importRoster(importer, roster());
    const set = await importRoster(importer, roster({}, 'cp'));
    expect(set.watched).toEqual({ applied: 1, pending: 0 });
    expect((await getPupil(t.db, amiraId))!.flags).toEqual(['cp']);
    expect((await history(secondManager))[0]).toMatchObject({
      field: 'flag_cp',
      oldValue: 'no',
      newValue: 'yes',
      status: 'applied',
      changedBy: { userId: importer.id },
    });

    // Taken off in the MIS: the flag stays (and keeps holding automatic letters) until approved.
    const off = await importRoster(importer, roster({}, ''));
    expect(off.watched).toEqual({ applied: 0, pending: 1 });
    expect((await getPupil(t.db, amiraId))!.flags).toEqual(['cp']);
    const [waiting] = await pending(secondManager);
    expect(waiting).toMatchObject({ field: 'flag_cp', oldValue: 'yes', newValue: 'no' });
    expect((await importer.post(`/api/contact-changes/${waiting!.id}/approve`, {})).statusCode).toBe(403);
    // Safeguarding flags are the school's managers' to see (by default), not its administrators':
    // the administrator is not shown the change and cannot decide it.
    expect(await pending(admin)).toEqual([]);
    expect((await admin.post(`/api/contact-changes/${waiting!.id}/approve`, {})).statusCode).toBe(404);
    expect((await history(admin)).some((c) => c.field.startsWith('flag_'))).toBe(false);
    // The manager who was shown it is on record as having seen Amira's safeguarding flags.
    const views = await t.db.query<{ details: { pupilIds: string[] } }>(
      `SELECT details FROM audit_log WHERE action = 'safeguarding.view' AND user_id = $1::uuid`,
      [secondManager.id],
    );
    expect(views.rows.some((r) => r.details.pupilIds.includes(amiraId))).toBe(true);
    expect((await secondManager.post(`/api/contact-changes/${waiting!.id}/approve`, {})).statusCode).toBe(
      200,
    );
    expect((await getPupil(t.db, amiraId))!.flags).toEqual([]);
  });
});

describe('who may see and decide', () => {
  it('keeps each school’s changes to its own managers and administrators; the setting is for administrators', async () => {
    await setSecondApproval(true);
    await importRoster(importer, roster({ phone: '07700 900999' }));
    const [waiting] = await pending(secondManager);
    // Another school's manager: as if there were no such change or pupil.
    expect((await managerB.get(`/api/schools/${SCHOOL_A}/contact-changes`)).statusCode).toBe(404);
    expect((await managerB.post(`/api/contact-changes/${waiting!.id}/approve`, {})).statusCode).toBe(404);
    expect((await managerB.get(`/api/pupils/${amiraId}/contact-history`)).statusCode).toBe(404);
    // Officers neither list, decide nor read the history.
    expect((await officer.get(`/api/schools/${SCHOOL_A}/contact-changes`)).statusCode).toBe(403);
    expect((await officer.get(`/api/pupils/${amiraId}/contact-history`)).statusCode).toBe(403);
    // A manager cannot turn the second approval off.
    const off = await secondManager.request({
      method: 'PUT',
      url: `/api/schools/${SCHOOL_A}/settings`,
      payload: { contactChangesNeedApproval: false },
    });
    expect(off.statusCode).toBe(403);
    expect((await secondManager.get(`/api/schools/${SCHOOL_A}/settings`)).json()).toEqual({
      schoolId: SCHOOL_A,
      contactChangesNeedApproval: true,
    });
    // The administrator may approve a manager's change (not their own).
    expect((await admin.post(`/api/contact-changes/${waiting!.id}/approve`, {})).statusCode).toBe(200);
    const { rows } = await t.db.query<{ details: Record<string, unknown> }>(
      `SELECT details FROM audit_log WHERE action = 'school.settings' ORDER BY id DESC LIMIT 1`,
    );
    expect(rows[0]!.details).toEqual({ contactChangesNeedApproval: true });
  });

  it('keeps the history: a change is never deleted or rewritten, even by the database’s owner', async () => {
    await expect(t.db.query('DELETE FROM pupil_changes')).rejects.toThrow(/history is kept/);
    await expect(t.db.query(`UPDATE pupil_changes SET new_value = 'x@example.org'`)).rejects.toThrow(
      /history is kept/,
    );
  });
});
