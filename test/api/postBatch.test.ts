// Letters by post, as a school office handles them: parents' addresses come with the roster; the
// formal warning goes by post as well as by email to each parent with an address, and any letter
// goes on paper to a parent with no email; each posted copy carries its parent's name and address
// in the envelope window (read back with pdftotext -bbox); "Print today's post" is one PDF with
// every copy starting on a new page (and on a front side when printed on both sides); printing
// marks nothing posted; a parent with no address is never given one. Real parts: the API on PGlite,
// the plan and send activities a case runs, pdfkit, and poppler's pdftotext and pdfinfo.
import { execFileSync } from 'node:child_process';
import { linesOf, wordsOf, type PdfWord } from '../support/pdfWords';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlannedSendActivities } from '../../activities/plannedSends';
import { ENVELOPE_WINDOW } from '../../letters/pdf';
import { buildLetterPlan } from '../../letters/plan';
import {
  completeStaffTask,
  getLetter,
  getStaffTask,
  listOutbox,
  type LetterLayout,
} from '../../store/caseServices';
import { getPupilByUpn } from '../../store/pupils';
import { FIGURES } from '../activities/support';
import { calendarFor, SCHOOL_A, SCHOOL_B, upn } from './fixtures';
import { makeTestApp, makeUser, signIn, type Agent, type TestApp } from './helpers';

const TODAY = '2026-10-14';
let t: TestApp;
let dir: string;
let officer: Agent;
let manager: Agent;
let otherOfficer: Agent;
let admin: Agent;
const letters: Record<string, string> = {};

const header =
  'upn,given_name,family_name,year_group,date_of_birth,contact1_name,contact1_email,contact1_phone,contact2_name,contact2_email,contact2_phone,flags,contact1_address,contact1_postcode,contact2_address,contact2_postcode';

/** Sends the letter a case would send today: planned (sealed with its hash), then sent as planned. */
async function send(key: string, template: string): Promise<string> {
  const pupil = await getPupilByUpn(
    t.db,
    SCHOOL_A,
    upn({ amira: 1, ben: 2, cleo: 3, dan: 4 }[key]!, SCHOOL_A),
  );
  const plan = await buildLetterPlan(t.db, {
    schoolId: SCHOOL_A,
    pupilId: pupil!.id,
    kind: 'letter',
    channel: 'letter',
    recipe: { template, date: TODAY, figures: FIGURES, reasons: [] },
  });
  const sendId = randomUUID();
  await createPlannedSendActivities({ db: t.db, mailer: null }).sendPlannedLetter({
    sendId,
    caseId: `case-${key}`,
    schoolId: SCHOOL_A,
    pupilId: pupil!.id,
    stageId: 'stage-two',
    stepId: template.split('/').pop()!,
    plan,
    approvedHash: plan.hash,
    sentOn: TODAY,
  });
  letters[key] = sendId;
  return sendId;
}

function save(name: string, body: Buffer): string {
  const file = join(dir, name);
  writeFileSync(file, body);
  return file;
}

const inWindow = (w: PdfWord) =>
  w.xMin >= ENVELOPE_WINDOW.left &&
  w.xMax <= ENVELOPE_WINDOW.left + ENVELOPE_WINDOW.width &&
  w.yMin >= ENVELOPE_WINDOW.top &&
  w.yMax <= ENVELOPE_WINDOW.top + ENVELOPE_WINDOW.height;

/** The window's words on one page, line by line (top to bottom). */
function windowLines(words: PdfWord[], page: number): string[] {
  return linesOf(words.filter((x) => x.page === page && inWindow(x)));
}

function pagesOf(file: string): string[] {
  return execFileSync('pdftotext', ['-layout', file, '-'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  })
    .split('\f')
    .slice(0, -1);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'post-batch-'));
  t = await makeTestApp({ now: () => Date.parse(`${TODAY}T10:00:00Z`) });
  const adminUser = await makeUser(t.db, 'admin', [], { allSchools: true });
  admin = await signIn(t.app, adminUser.email);
  for (const [school, name] of [
    [SCHOOL_A, 'Alder Primary'],
    [SCHOOL_B, 'Birch Primary'],
  ] as const) {
    const res = await admin.post('/api/imports?wait=true', {
      schoolId: school,
      calendar: JSON.stringify(calendarFor(school, name)),
    });
    expect(res.statusCode, res.body).toBe(201);
  }
  const roster = [
    header,
    // Amira: Sara has an email and an address; Imran only a phone and an address.
    `${upn(1, SCHOOL_A)},Amira,Khan,4,2015-03-14,Sara Khan,sara@example.org,,Imran Khan,,07700 900002,,` +
      `12 Acacia Row | Little Marston | Northshire,NS1 4AB,3 Foxglove Street | Fernby | Northshire,NS4 7QT`,
    // Ben: Tom has an email and no address; Jo only a phone, and no address.
    `${upn(2, SCHOOL_A)},Ben,Lewis,R,2019-11-02,Tom Lewis,tom@example.org,,Jo Lewis,,07700 900004,,,,,`,
    // Cleo: Jade has an email and an address.
    `${upn(3, SCHOOL_A)},Cleo,Morris,6,2016-01-30,Jade Morris,jade@example.org,,,,,,40 Kestrel Rise | Hollowmere | Northshire,NS7 2PX,,`,
    // Dan: Kim has no email, only an address.
    `${upn(4, SCHOOL_A)},Dan,Price,6,2016-02-28,Kim Price,,,,,,,7 Ivy Bank | Upper Wendle | Northshire,NS9 1DW,,`,
  ].join('\n');
  const res = await admin.post('/api/imports?wait=true', { schoolId: SCHOOL_A, roster });
  expect(res.statusCode, res.body).toBe(201);

  officer = await signIn(t.app, (await makeUser(t.db, 'officer', [SCHOOL_A])).email);
  manager = await signIn(t.app, (await makeUser(t.db, 'manager', [SCHOOL_A])).email);
  otherOfficer = await signIn(t.app, (await makeUser(t.db, 'officer', [SCHOOL_B])).email);

  // The formal warning to Amira's and Ben's parents; an ordinary letter to Cleo's and Dan's.
  await send('amira', 'bradford/warning-letter-1');
  await send('ben', 'bradford/warning-letter-1');
  await send('cleo', 'bradford/school-letter-1');
  await send('dan', 'bradford/school-letter-1');
}, 120_000);

afterAll(async () => {
  await t?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('who gets a letter on paper', () => {
  it('the formal warning is emailed and posted to a parent with an address; an ordinary letter is only emailed', async () => {
    const amira = await getLetter(t.db, letters.amira!);
    expect(amira!.recipients).toEqual([
      expect.objectContaining({
        name: 'Sara Khan',
        channel: 'email',
        byPost: true,
        postal: { lines: ['12 Acacia Row', 'Little Marston', 'Northshire'], postcode: 'NS1 4AB' },
      }),
      expect.objectContaining({
        name: 'Imran Khan',
        channel: 'sms',
        byPost: true,
        postal: { lines: ['3 Foxglove Street', 'Fernby', 'Northshire'], postcode: 'NS4 7QT' },
      }),
    ]);
    const cleo = await getLetter(t.db, letters.cleo!);
    expect(cleo!.recipients).toEqual([expect.objectContaining({ name: 'Jade Morris', channel: 'email' })]);
    expect(cleo!.recipients[0]!.byPost).toBeUndefined();
  });

  it('a parent with no address is emailed, or asked for: never sent to a guessed address', async () => {
    const ben = await getLetter(t.db, letters.ben!);
    expect(ben!.recipients).toEqual([
      expect.objectContaining({ name: 'Tom Lewis', channel: 'email' }),
      expect.objectContaining({ name: 'Jo Lewis', channel: 'sms', byPost: true, postal: null }),
    ]);
    expect(ben!.recipients[0]!.byPost).toBeUndefined();
    const task = await getStaffTask(t.db, `${letters.ben}:post`);
    expect(task!.notes).toContain(
      "- Jo Lewis: no postal address on the roster. Find it first (and add it in the MIS so the next letter carries it), then post the letter's PDF from the case in an addressed envelope; never guess an address.",
    );
    const amiraTask = await getStaffTask(t.db, `${letters.amira}:post`);
    expect(amiraTask!.notes).toContain('- Sara Khan, 12 Acacia Row, Little Marston, Northshire NS1 4AB');
    expect(amiraTask!.notes).toContain(`Outbox, "Print today's post" for 14 October 2026`);
  });

  it('the email subject names the child in full, and the school', async () => {
    const mail = (await listOutbox(t.db, SCHOOL_A, { status: 'held' })).filter((m) => m.channel === 'email');
    expect(mail.map((m) => m.subject).sort()).toEqual([
      "Amira Khan's attendance at Alder Primary: Warning Letter 1",
      "Ben Lewis's attendance at Alder Primary: Warning Letter 1",
      "Cleo Morris's attendance at Alder Primary: School letter 1",
    ]);
  });
});

describe('a posted letter’s PDF', () => {
  it('carries each parent’s name and address in the envelope window, the school small above it', async () => {
    const res = await officer.get(`/api/letters/${letters.amira}/post-copies`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    const file = save('amira.pdf', res.rawPayload);
    const words = wordsOf(file);
    const starts = pagesOf(file)
      .map((p, i) => (/Dear /.test(p) ? i : -1))
      .filter((i) => i >= 0);
    expect(starts).toHaveLength(2);
    expect(windowLines(words, starts[0]!)).toEqual([
      'Alder Primary',
      'Sara Khan',
      '12 Acacia Row',
      'Little Marston',
      'Northshire',
      'NS1 4AB',
    ]);
    expect(windowLines(words, starts[1]!)).toEqual([
      'Alder Primary',
      'Imran Khan',
      '3 Foxglove Street',
      'Fernby',
      'Northshire',
      'NS4 7QT',
    ]);
    // Nothing else shows through the window: the date is beside it, the letter starts below it.
    const date = words.filter(
      (w) =>
        w.page === starts[0] &&
        w.text === 'October' &&
        w.yMax <= ENVELOPE_WINDOW.top + ENVELOPE_WINDOW.height,
    );
    expect(date).toHaveLength(1);
    expect(date[0]!.xMin).toBeGreaterThan(ENVELOPE_WINDOW.left + ENVELOPE_WINDOW.width);
    const dear = words.find((w) => w.page === starts[0] && w.text === 'Dear')!;
    expect(dear.yMin).toBeGreaterThan(ENVELOPE_WINDOW.top + ENVELOPE_WINDOW.height);
    // The return address is small: smaller than the recipient's lines.
    const school = words.find((w) => w.page === starts[0] && w.text === 'Alder' && inWindow(w))!;
    const name = words.find((w) => w.page === starts[0] && w.text === 'Sara' && inWindow(w))!;
    expect(school.yMax - school.yMin).toBeLessThan(name.yMax - name.yMin);

    // The words are the letter as approved and sent: every paragraph of the stored letter is there.
    const flat = (x: string) => x.replace(/\*\*/g, '').replace(/\s+/g, ' ').trim();
    const printed = flat(
      execFileSync('pdftotext', [file, '-'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
    );
    const { rows } = await t.db.query<{ layout: LetterLayout }>('SELECT layout FROM letters WHERE id = $1', [
      letters.amira,
    ]);
    const paragraphs = rows[0]!.layout.parts.blocks.flatMap((b) =>
      b.type === 'paragraph' ? [b.text] : b.items,
    );
    expect(paragraphs.length).toBeGreaterThan(3);
    for (const p of paragraphs) expect(printed).toContain(flat(p));
    const sent = await getLetter(t.db, letters.amira!);
    for (const p of paragraphs) expect(flat(sent!.bodyText)).toContain(flat(p));
  });

  it('has no postal copy when nobody is posted one with an address', async () => {
    expect((await officer.get(`/api/letters/${letters.cleo}/post-copies`)).statusCode).toBe(404);
    expect((await otherOfficer.get(`/api/letters/${letters.amira}/post-copies`)).statusCode).toBe(404);
  });
});

describe('Print today’s post', () => {
  it('says what the day’s post holds, and what cannot be printed for want of an address', async () => {
    const res = await officer.get(`/api/letters/post-batch/summary?schoolId=${SCHOOL_A}&on=${TODAY}`);
    expect(res.statusCode, res.body).toBe(200);
    const s = res.json();
    expect(s).toMatchObject({ schoolId: SCHOOL_A, on: TODAY, letters: 2, copies: 3, alreadyPosted: 0 });
    expect(s.items.map((i: { pupilName: string }) => i.pupilName)).toEqual(['Amira Khan', 'Dan Price']);
    expect(s.items[1].copies).toEqual([
      { name: 'Kim Price', address: '7 Ivy Bank, Upper Wendle, Northshire NS9 1DW' },
    ]);
    expect(s.needAddress).toEqual([
      expect.objectContaining({ letterId: letters.ben, pupilName: 'Ben Lewis', names: ['Jo Lewis'] }),
    ]);
    // Without a day, it is the school's today.
    expect((await officer.get(`/api/letters/post-batch/summary?schoolId=${SCHOOL_A}`)).json().on).toBe(TODAY);
  });

  it('is one PDF of every copy, each starting on a new page and on a front side, in envelope order', async () => {
    const res = await officer.get(`/api/letters/post-batch?schoolId=${SCHOOL_A}&on=${TODAY}`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="post-${SCHOOL_A}-${TODAY}.pdf"`);
    expect(res.headers).toMatchObject({ 'x-letters': '2', 'x-copies': '3' });
    const file = save('batch.pdf', res.rawPayload);
    const pages = pagesOf(file);
    const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
    expect(Number(/Pages:\s+(\d+)/.exec(info)![1])).toBe(pages.length);
    expect(String(pages.length)).toBe(res.headers['x-pages']);
    // Three letters: three salutations and three sign-offs.
    const starts = pages.map((p, i) => (/Dear /.test(p) ? i : -1)).filter((i) => i >= 0);
    expect(starts).toHaveLength(3);
    expect(pages.join('\n').match(/Yours sincerely/g)).toHaveLength(3);
    // Printed on both sides, every letter starts on the front of a sheet (an odd page).
    for (const s of starts) expect(s % 2).toBe(0);
    expect(pages.length % 2).toBe(0);
    const words = wordsOf(file);
    expect(starts.map((s) => windowLines(words, s)[1])).toEqual(['Sara Khan', 'Imran Khan', 'Kim Price']);
    expect(windowLines(words, starts[2]!)).toEqual([
      'Alder Primary',
      'Kim Price',
      '7 Ivy Bank',
      'Upper Wendle',
      'Northshire',
      'NS9 1DW',
    ]);

    // Printing it records nothing: each letter's "print and post" task is still open.
    expect((await getStaffTask(t.db, `${letters.amira}:post`))!.status).toBe('open');
    const { rows } = await t.db.query<{ action: string; details: { letters: number; copies: number } }>(
      `SELECT action, details FROM audit_log WHERE action = 'letter.post-batch'`,
    );
    expect(rows).toEqual([
      expect.objectContaining({ details: expect.objectContaining({ letters: 2, copies: 3 }) }),
    ]);
  });

  it('without duplex, has no blank pages', async () => {
    const res = await manager.get(`/api/letters/post-batch?schoolId=${SCHOOL_A}&on=${TODAY}&duplex=false`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-blank-pages']).toBe('0');
    const pages = pagesOf(save('single-sided.pdf', res.rawPayload));
    expect(pages.every((p) => p.trim() !== '')).toBe(true);
  });

  it('leaves out a letter once it is recorded as posted, and says so', async () => {
    await completeStaffTask(t.db, `${letters.amira}:post`, { outcome: 'posted', by: 'u', on: TODAY });
    const s = (await officer.get(`/api/letters/post-batch/summary?schoolId=${SCHOOL_A}&on=${TODAY}`)).json();
    expect(s).toMatchObject({ letters: 1, copies: 1, alreadyPosted: 1 });
    const res = await officer.get(`/api/letters/post-batch?schoolId=${SCHOOL_A}&on=${TODAY}`);
    expect(res.headers).toMatchObject({ 'x-letters': '1', 'x-copies': '1' });
  });

  it('is for the officers and managers of that school only (another school’s is not found)', async () => {
    const url = `/api/letters/post-batch?schoolId=${SCHOOL_A}&on=${TODAY}`;
    expect((await otherOfficer.get(url)).statusCode).toBe(404);
    expect((await otherOfficer.get(url.replace('post-batch', 'post-batch/summary'))).statusCode).toBe(404);
    expect((await admin.get(url)).statusCode).toBe(403);
    expect((await officer.get(`/api/letters/post-batch?schoolId=${SCHOOL_A}&on=2026-10-15`)).statusCode).toBe(
      404,
    );
    expect((await officer.get(`/api/letters/post-batch?schoolId=${SCHOOL_A}&on=2026-02-30`)).statusCode).toBe(
      400,
    );
  });
});
