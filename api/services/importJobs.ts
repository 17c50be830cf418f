// Imports run in the background so the browser can show progress: POST answers 202 with an id,
// GET /api/imports/:id reports the phase and how far it has got, then the summary or every bad row.
// Jobs live in this process's memory for an hour (the store's `imports` table keeps the record).
// Each job also keeps the steps its progress went through: a page that polls every second or so
// misses the steps of a quick import, and the steps say which phase took the time.
import { randomUUID } from 'node:crypto';
import type { ImportSummary, ProgressEvent } from '../../store/imports';
import type { RowError } from '../../store/errors';

/** What an import did; with a calendar, also how many of the school's open cases were told to read it. */
export interface ImportJobSummary extends ImportSummary {
  /**
   * With a calendar: the open cases told to read it afresh (a case waiting at the end of the old
   * calendar carries on). All of them for a new or changed calendar; for an unchanged one, only
   * cases still waiting at the end of an older calendar.
   */
  casesNotified?: number;
  /** Said when not every open case could be told, or none needed telling. */
  calendarNotice?: string;
}

export type ImportJobStatus = 'running' | 'succeeded' | 'rejected' | 'failed';

export interface ImportProgressStep {
  at: string;
  phase: ImportJob['phase'];
  percent: number;
}

export interface ImportJob {
  id: string;
  schoolId: string;
  userId: string;
  status: ImportJobStatus;
  phase: ProgressEvent['phase'] | 'queued' | 'done';
  done: number;
  total: number;
  /** 0..100 across all phases. */
  percent: number;
  /**
   * Every change of phase or percent, in order, from 'queued' at 0 to 'done' at 100 (whole
   * percents, so a hundred or so entries at most, however large the import).
   */
  history: ImportProgressStep[];
  startedAt: string;
  finishedAt: string | null;
  summary: ImportJobSummary | null;
  /** When rejected: the bad rows (first 100) and how many there were in all. */
  rejection: { error: string; rows: RowError[]; totalErrors: number; unlisted: number } | null;
  /** When failed (our fault): a short reason. */
  message: string | null;
}

const KEEP_MS = 60 * 60 * 1000;
// How much of the bar each phase fills.
const PHASE_SPAN: Record<string, [number, number]> = { parse: [0, 10], validate: [10, 40], write: [40, 99] };

export class ImportJobs {
  private readonly jobs = new Map<string, ImportJob>();

  constructor(private readonly now: () => number = Date.now) {}

  create(schoolId: string, userId: string): ImportJob {
    this.prune();
    const job: ImportJob = {
      id: randomUUID(),
      schoolId,
      userId,
      status: 'running',
      phase: 'queued',
      done: 0,
      total: 0,
      percent: 0,
      history: [],
      startedAt: new Date(this.now()).toISOString(),
      finishedAt: null,
      summary: null,
      rejection: null,
      message: null,
    };
    this.record(job);
    this.jobs.set(job.id, job);
    return job;
  }

  /** The school's import still running, if any: one import per school at a time. */
  runningFor(schoolId: string): ImportJob | undefined {
    for (const job of this.jobs.values())
      if (job.schoolId === schoolId && job.status === 'running') return job;
    return undefined;
  }

  get(id: string): ImportJob | undefined {
    return this.jobs.get(id);
  }

  progress(job: ImportJob, e: ProgressEvent): void {
    const [lo, hi] = PHASE_SPAN[e.phase] ?? [0, 99];
    job.phase = e.phase;
    job.done = e.done;
    job.total = e.total;
    const frac = e.total > 0 ? Math.min(1, e.done / e.total) : 1;
    job.percent = Math.max(job.percent, Math.round(lo + (hi - lo) * frac));
    this.record(job);
  }

  finish(
    job: ImportJob,
    outcome: Pick<ImportJob, 'status'> & Partial<Pick<ImportJob, 'summary' | 'rejection' | 'message'>>,
  ): void {
    Object.assign(job, outcome);
    job.phase = 'done';
    job.percent = 100;
    job.finishedAt = new Date(this.now()).toISOString();
    this.record(job);
  }

  private record(job: ImportJob): void {
    const last = job.history.at(-1);
    if (last?.phase === job.phase && last.percent === job.percent) return;
    job.history.push({ at: new Date(this.now()).toISOString(), phase: job.phase, percent: job.percent });
  }

  private prune(): void {
    const cutoff = this.now() - KEEP_MS;
    for (const [id, job] of this.jobs)
      if (job.finishedAt && Date.parse(job.finishedAt) < cutoff) this.jobs.delete(id);
  }
}
