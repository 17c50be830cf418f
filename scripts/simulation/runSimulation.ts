// Runs the real case workflows over a school's imported marks on Temporal's time-skipping server,
// releasing each school day's marks as simulated time passes (facts are always computed "as of"
// the simulated day, so later marks are invisible until their day comes).
//
// Nothing leaves the simulation: it copies the school into an in-memory database, and every
// letter and invitation stays in that copy's outbox.
import { actorSigningInterceptor, generateActorKeys } from '../../temporal/actorClaims';
import { randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import { DefaultLogger, Runtime, Worker, makeTelemetryFilterString } from '@temporalio/worker';
import { buildCalendar } from '../../domain/calendar';
import type { Policy } from '../../domain/policy/schema';
import { instantOfSchoolTime } from '../../domain/time';
import type { IsoDate } from '../../domain/types';
import { listAllCases, listCasesAwaitingApproval } from '../../store/cases';
import { openDb, type Db } from '../../store/db';
import { loadMarkGrids } from '../../store/marks';
import { listPupils } from '../../store/pupils';
import { getSchool } from '../../store/schools';
import { startTimeSkippingServer } from '../../temporal/ephemeralServers';
import { buildActivities } from '../../worker/activityDeps';
import { WORKFLOWS_PATH } from '../../worker/createWorker';
import type { CaseSettings } from '../../workflows/attendanceCase';
import { decideStep, type Actor, type TimelineEvent } from '../../workflows/caseMessages';
import { waitUntilQuiet, withDeadline } from '../../temporal/quiescence';
import { RecordingMailer } from '../../messaging/fakes';
import { getLetter, listOutbox } from '../../store/caseServices';
import { doOpenTasks } from './team';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generatePack } from '../../evidence/service';
import { REFERRAL_STEP_KINDS } from '../../domain/stepRoute';
import { schoolSweep } from '../../workflows/schoolSweep';
import { approvesUnder, type ApproveRule } from './approveRule';

export { APPROVE_RULES, approvesUnder, type ApproveRule } from './approveRule';

/** How long one case may take to act on a day (a loaded machine is slow; a stuck case is an error). */
const QUIET_TIMEOUT_MS = 120_000;
/** The simulated attendance team: a manager, so it may decide every step. */
/** The settings of a simulated school's cases (either engine): its check time, reminders, no search attributes. */
export const SIMULATED_CASE_SETTINGS: CaseSettings = {
  timeZone: 'Europe/London',
  checkTime: '16:30',
  remindAfterSchoolDays: 2,
  escalateAfterSchoolDays: 3,
  searchAttributes: false,
};
export const SIMULATION_TEAM = { userId: 'simulation', role: 'manager' as const };
const TEAM = SIMULATION_TEAM;
const SWEEP_TIMEOUT_MS = 600_000;

export interface SimulationOptions {
  source: Db;
  schoolId: string;
  policy: Policy;
  from: IsoDate;
  to: IsoDate;
  /**
   * Which proposals the simulated team approves: every one, none, or `auto-only`, only those of
   * steps the policy runs by itself that a safeguarding flag held for a person (docs/what-if.md).
   * Tasks are done under `all` and `auto-only`.
   */
  approve: ApproveRule;
  onDay?: (date: IsoDate, index: number, total: number) => void;
  /**
   * Write here, for each case that reaches a referral step (a council referral, notification or
   * Statutory Intervention Request), the evidence pack it would have produced that day: one folder
   * per case, named by its case id, holding evidence.pdf, the letters as sent and manifest.json.
   */
  evidenceDir?: string;
  /**
   * Where the simulation keeps its records: 'copy' (the default) is a private in-memory copy of the
   * school, so nothing leaves it; 'inPlace' writes into `source` itself (the demo school's replayed
   * term, whose letters, meetings and timelines are the demo's history).
   */
  store?: 'copy' | 'inPlace';
  /**
   * What the attendance team does at the end of each simulated day, after the sweep (default: with
   * `approve: 'all'`, approve every proposal and do every task).
   */
  team?: (day: SimulatedDay) => Promise<void>;
  /**
   * Called with the cases still running, before the simulation's server goes away (the demo moves
   * them to its own server). Without it, the result lists every case.
   */
  handOver?: (ctx: { client: Client; db: Db; caseIds: string[] }) => Promise<void>;
}

/** One simulated school day, as the team's part sees it: cases are quiet when it is called. */
export interface SimulatedDay {
  db: Db;
  client: Client;
  day: IsoDate;
  index: number;
  total: number;
  /** Decide as the simulated team, a manager. */
  actor: typeof TEAM;
  quietTimeoutMs: number;
}

/** A letter or message as the family would get it, for a school to read before switching on. */
export interface SimulatedLetter {
  subject: string;
  /** The plain text exactly as it would be sent. */
  text: string;
  /** Who it went to: a letter's parents/carers by name; a message or invitation by its address. */
  recipients: { name?: string; address?: string; channel: string }[];
}

export interface SimulatedCase {
  upn: string;
  caseId: string;
  stage: string | null;
  status: string;
  events: (TimelineEvent & { type: string; letter?: SimulatedLetter })[];
  /** With `evidenceDir`: the folder its pack was written to, the day, and the pack's hash. */
  evidence?: { dir: string; asOf: IsoDate; packHash: string };
}

/** The case's evidence pack as of the day its first referral step was proposed, written to disk. */
async function writeEvidenceAtReferral(
  db: Db,
  opts: Pick<SimulationOptions, 'policy' | 'evidenceDir'>,
  caseId: string,
  timeline: TimelineEvent[],
): Promise<{ evidence?: SimulatedCase['evidence'] }> {
  const referralSteps = new Set(
    opts.policy.stages.flatMap((st) =>
      st.steps.filter((x) => REFERRAL_STEP_KINDS.has(x.kind)).map((x) => x.id),
    ),
  );
  const at = timeline.find((e) => e.stepId && referralSteps.has(e.stepId));
  if (!at) return {};
  const made = await generatePack(db, {
    caseId,
    asOf: at.date,
    by: { id: 'simulation', name: 'the simulation (not a real referral)' },
    namesOf: async () => new Map(),
  });
  if (!made) return {};
  const dir = join(opts.evidenceDir!, caseId.replace(/[^\w.-]+/g, '_'));
  for (const f of made.built.files) {
    mkdirSync(dirname(join(dir, f.name)), { recursive: true });
    writeFileSync(join(dir, f.name), f.data);
  }
  return { evidence: { dir, asOf: at.date, packHash: made.built.packHash } };
}

/** Timeline events whose ref is something the family receives (a meeting's ref: its invitations). */
export const WRITTEN: ReadonlySet<string> = new Set([
  'letterSent',
  'letterHeld',
  'toPost',
  'messageSent',
  'messageHeld',
  'meetingBooked',
]);

/** The letter or message a timeline event refers to, from the simulation's own store. */
async function writtenFor(
  db: Db,
  schoolId: string,
  caseId: string,
  ref: string,
): Promise<SimulatedLetter | null> {
  const letter = await getLetter(db, ref);
  if (letter) {
    return {
      subject: letter.subject,
      text: letter.bodyText,
      recipients: letter.recipients.map((r) => ({
        name: r.name,
        channel: r.channel === 'email' ? 'email' : 'post',
      })),
    };
  }
  const messages = (await listOutbox(db, schoolId, { caseId, limit: 1000 })).filter((m) => m.ref === ref);
  if (messages.length === 0) return null;
  return {
    subject: messages[0]!.subject,
    text: messages[0]!.text,
    recipients: messages.map((m) => ({
      ...(m.to ? { address: m.to } : {}),
      channel: m.channel,
    })),
  };
}

/** Every case the simulation's store holds, with the letters its timeline refers to. */
export async function simulatedCases(
  db: Db,
  opts: Pick<SimulationOptions, 'schoolId' | 'policy' | 'evidenceDir'>,
  upnById: Map<string, string>,
): Promise<SimulatedCase[]> {
  const cases: SimulatedCase[] = [];
  for (const c of await listAllCases(db)) {
    const events: SimulatedCase['events'] = [];
    for (const e of c.view.timeline) {
      const letter =
        WRITTEN.has(e.type) && e.ref ? await writtenFor(db, opts.schoolId, c.caseId, e.ref) : null;
      events.push(letter ? { ...e, letter } : e);
    }
    cases.push({
      upn: upnById.get(c.pupilId) ?? '?',
      caseId: c.caseId,
      stage: c.stageId,
      status: c.status,
      events,
      ...(opts.evidenceDir ? await writeEvidenceAtReferral(db, opts, c.caseId, c.view.timeline) : {}),
    });
  }
  return cases;
}

/** The result of a run over `days` (either engine), timed from `wallStart` (epoch ms). */
export function simulationResult(
  schoolId: string,
  days: IsoDate[],
  upnById: Map<string, string>,
  cases: SimulatedCase[],
  wallStart: number,
): SimulationResult {
  return {
    schoolId,
    from: days[0]!,
    to: days[days.length - 1]!,
    schoolDays: days.length,
    pupils: upnById.size,
    cases,
    wallSeconds: (Date.now() - wallStart) / 1000,
  };
}

export interface SimulationResult {
  schoolId: string;
  from: IsoDate;
  to: IsoDate;
  schoolDays: number;
  pupils: number;
  cases: SimulatedCase[];
  wallSeconds: number;
}

/** A school as a what-if needs it: the school, its pupils and their marks, as plain data. */
export interface SchoolSnapshot {
  school: NonNullable<Awaited<ReturnType<typeof getSchool>>>;
  pupils: Awaited<ReturnType<typeof listPupils>>;
  marks: { pupilId: string; yearStart: IsoDate; codes: Uint8Array | string }[];
}

/** Reads a school out of a store (plain data, so it can go to another thread). */
export async function snapshotSchool(source: Db, schoolId: string): Promise<SchoolSnapshot> {
  const school = await getSchool(source, schoolId);
  if (!school) throw new Error(`school ${schoolId} is not in the store: import it first`);
  const pupils = await listPupils(source, schoolId);
  const marks: SchoolSnapshot['marks'] = [];
  for (const [pupilId, grid] of await loadMarkGrids(source, schoolId)) {
    for (const blob of grid.toBlobs()) marks.push({ pupilId, yearStart: blob.yearStart, codes: blob.codes });
  }
  return { school, pupils, marks };
}

/** Writes a snapshot into an empty store; returns each pupil's UPN by id. */
async function loadSnapshot(target: Db, snap: SchoolSnapshot): Promise<Map<string, string>> {
  const { school } = snap;
  await target.query(
    `INSERT INTO schools (id, name, calendar, lessons_per_day, policy_id, policy_version) VALUES ($1,$2,$3,$4,$5,$6)`,
    [
      school.id,
      school.name,
      JSON.stringify(school.calendar),
      school.lessonsPerDay,
      school.policyId,
      school.policyVersion,
    ],
  );
  const upnById = new Map<string, string>();
  for (const p of snap.pupils) {
    upnById.set(p.id, p.upn);
    await target.query(
      `INSERT INTO pupils (id, school_id, upn, given_name, family_name, year_group, date_of_birth, start_date, left_on, flags, contacts)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`,
      [
        p.id,
        school.id,
        p.upn,
        p.givenName,
        p.familyName,
        p.yearGroup,
        p.dateOfBirth,
        p.startDate,
        p.leftOn,
        p.flags,
        JSON.stringify(p.contacts),
      ],
    );
  }
  for (const m of snap.marks) {
    await target.query(`INSERT INTO pupil_marks (pupil_id, year_start, codes) VALUES ($1,$2,$3)`, [
      m.pupilId,
      m.yearStart,
      m.codes,
    ]);
  }
  return upnById;
}

export async function copySchool(source: Db, target: Db, schoolId: string): Promise<Map<string, string>> {
  return loadSnapshot(target, await snapshotSchool(source, schoolId));
}

/** Worker logs go to stderr, warnings and errors only: stdout is the simulation's own output (--json). */
function quietRuntime(): void {
  try {
    Runtime.install({
      logger: new DefaultLogger('WARN', (entry) =>
        process.stderr.write(`[worker] ${entry.level} ${entry.message}\n`),
      ),
      // The native core logs to stdout unless forwarded to the logger above.
      telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }), forward: {} } },
    });
  } catch {
    // A runtime is already installed in this process (tests): keep it.
  }
}

export async function runSimulation(opts: SimulationOptions): Promise<SimulationResult> {
  const wallStart = Date.now();
  quietRuntime();
  const inPlace = opts.store === 'inPlace';
  const db = inPlace ? opts.source : await openDb({ inMemory: true });
  const env = await startTimeSkippingServer();
  try {
    const upnById = inPlace
      ? new Map((await listPupils(db, opts.schoolId)).map((p) => [p.id, p.upn]))
      : await copySchool(opts.source, db, opts.schoolId);
    const school = (await getSchool(db, opts.schoolId))!;
    const calendar = buildCalendar(school.calendar);
    const days = calendar.schoolDaysBetween(opts.from, opts.to);
    if (days.length === 0) throw new Error(`no school days between ${opts.from} and ${opts.to}`);

    const realStartMs = await env.currentTimeMs();
    const settings: CaseSettings = {
      ...SIMULATED_CASE_SETTINGS,
      simulation: { realStartMs, simStart: days[0]! },
    };
    const taskQueue = `simulate-${randomUUID()}`;
    // The simulated team's decisions are signed and checked as the API's are, with a key of its own.
    const actorKeys = generateActorKeys();
    // A plain client, not the environment's time-skipping one: awaiting a result through that one
    // unlocks time skipping, and the clock could then jump past a quiet case's next timer while the
    // sweep runs. Here simulated time moves only in `env.sleep`.
    const client = new Client({
      connection: env.connection,
      namespace: env.namespace,
      interceptors: { workflow: [actorSigningInterceptor(actorKeys)] },
    });
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath: WORKFLOWS_PATH,
      activities: buildActivities({
        db,
        temporal: client,
        taskQueue,
        caseSettings: settings,
        policyForSchool: async () => opts.policy,
        smtpUrl: undefined,
        // Nothing leaves the simulation: mail the product would send is recorded as sent in the
        // simulation's private copy of the school, so its timelines read as production's would.
        mailer: new RecordingMailer(),
        mailFrom: 'simulation@school.invalid',
        actorKeys,
      }),
    });

    const caseIds = new Set<string>();
    const waitForQuietCases = async () => {
      for (const id of caseIds) await waitUntilQuiet(client, id, { timeoutMs: QUIET_TIMEOUT_MS });
    };
    await worker.runUntil(async () => {
      const simStartMs = instantOfSchoolTime(days[0]!, settings.checkTime, settings.timeZone);
      for (const [i, day] of days.entries()) {
        // Move the clock to just after the sweep time of this school day: cases wake on their own
        // timers on the way, and the clock moves only while every case is idle.
        const targetMs = instantOfSchoolTime(day, settings.checkTime, settings.timeZone) + 60_000;
        const nowMs = simStartMs + ((await env.currentTimeMs()) - realStartMs);
        if (targetMs > nowMs) await env.sleep(targetMs - nowMs);
        await waitForQuietCases();
        const sweep = await withDeadline(
          client.workflow.execute(schoolSweep, {
            taskQueue,
            workflowId: `sweep-${opts.schoolId}-${day}`,
            args: [{ schoolId: opts.schoolId, asOf: day }],
          }),
          SWEEP_TIMEOUT_MS,
          `the sweep of ${day}`,
        );
        for (const id of sweep.openedCaseIds) caseIds.add(id);
        await waitForQuietCases();
        if (opts.team) {
          await opts.team({
            db,
            client,
            day,
            index: i,
            total: days.length,
            actor: TEAM,
            quietTimeoutMs: QUIET_TIMEOUT_MS,
          });
        } else if (opts.approve !== 'none') {
          await approveEverything(db, client, [opts.schoolId], TEAM, {
            rule: opts.approve,
            policy: opts.policy,
          });
          await doOpenTasks(db, client, {
            schoolIds: [opts.schoolId],
            actor: TEAM,
            timeoutMs: QUIET_TIMEOUT_MS,
          });
        }
        opts.onDay?.(day, i, days.length);
      }
      if (opts.handOver) {
        await waitForQuietCases();
        await opts.handOver({ client, db, caseIds: [...caseIds] });
      }
    });

    const cases = opts.handOver ? [] : await simulatedCases(db, opts, upnById);
    return simulationResult(opts.schoolId, days, upnById, cases, wallStart);
  } finally {
    await env.teardown();
    if (!inPlace) await db.close();
  }
}

/**
 * Approves, as a manager would, every proposal pending on any case today. Cases are quiet when this
 * runs, so the read model holds exactly what is pending; a refused or unanswered decision is an
 * error, never skipped.
 */
export async function approveEverything(
  db: Db,
  client: Client,
  schoolIds: string[] | null,
  actor: Actor = TEAM,
  only?: { rule: ApproveRule; policy: Policy },
): Promise<void> {
  for (const { caseId, view } of await listCasesAwaitingApproval(db, schoolIds)) {
    const handle = client.workflow.getHandle(caseId);
    for (const p of view.pending) {
      if (only && !approvesUnder(only.rule, p, only.policy)) continue;
      await withDeadline(
        handle.executeUpdate(decideStep, {
          args: [
            {
              proposalId: p.proposalId,
              decision: 'approve',
              actor,
              ...(p.plan ? { planHash: p.plan.hash } : {}),
            },
          ],
        }),
        QUIET_TIMEOUT_MS,
        `approving "${p.step.title}" on ${caseId}`,
      );
    }
    await waitUntilQuiet(client, caseId, { timeoutMs: QUIET_TIMEOUT_MS });
  }
}
