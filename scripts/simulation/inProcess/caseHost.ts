// One pupil's case run in this process: the case's own code (workflows/case/run.ts) with a shell of
// simulated school time instead of Temporal. Messages go to the handlers the case registered, as
// Temporal would deliver them: a validator first (a refusal changes nothing), then the handler.
// Continue-as-new ends the run and starts the next at the same instant with the carried record, passed
// through JSON as a Temporal payload is.
import { randomUUID } from 'node:crypto';
import { runCase } from '../../../workflows/case/run';
import type { CaseShell } from '../../../workflows/case/shell';
import type { SchoolClock } from '../../../workflows/case/clock';
import type { CaseActivities } from '../../../workflows/case/acts';
import type { AttendanceCaseInput } from '../../../workflows/caseInput';
import type { CaseView } from '../../../workflows/caseMessages';
import type { CaseTimeOwner, Parked, SchoolTime } from './schoolTime';

type Handler = (...args: unknown[]) => unknown;

/** Thrown by the shell's continueAsNew: caught by the host, which starts the next run. */
class NextRun extends Error {
  constructor(readonly next: AttendanceCaseInput) {
    super('continue-as-new');
  }
}

export interface CaseHostDeps {
  time: SchoolTime;
  clock: SchoolClock;
  /** The case's activities, bound to it (its id in their context, its changes noted). */
  acts: (host: CaseHost) => CaseActivities;
}

export class CaseHost implements CaseTimeOwner {
  readonly parked = new Set<Parked>();
  private handlers = new Map<string, { handler: Handler; validator?: Handler }>();
  private running = 0; // handlers that returned a promise and have not settled
  status: 'running' | 'completed' | 'failed' = 'running';
  result: CaseView | null = null;
  runs = 0;

  constructor(
    readonly caseId: string,
    private readonly deps: CaseHostDeps,
  ) {}

  /** Starts the case (or its next run); its handlers are registered before this returns. */
  start(input: AttendanceCaseInput): void {
    const { time } = this.deps;
    this.handlers.clear();
    this.runs++;
    time.began();
    runCase(input, this.shell()).then(
      (view) => {
        this.status = 'completed';
        this.result = view;
        time.ended(this);
      },
      (err: unknown) => {
        time.ended(this);
        if (err instanceof NextRun) {
          this.start(JSON.parse(JSON.stringify(err.next)) as AttendanceCaseInput);
          return;
        }
        this.status = 'failed';
        time.fail(new Error(`case ${this.caseId} failed`, { cause: err }));
      },
    );
  }

  /** Delivers a signal; false when the case has no handler for it (it has finished). */
  signal(name: string, arg: unknown): boolean {
    const h = this.handlers.get(name);
    if (!h || this.status !== 'running') return false;
    // A signal handler that throws would fail the workflow task on Temporal: here it fails the run.
    this.invoke(h.handler, arg).catch((err: unknown) =>
      this.deps.time.fail(new Error(`case ${this.caseId}: ${name} failed`, { cause: err })),
    );
    return true;
  }

  /** Delivers an update: refused by its validator (throws, nothing changed), or the handler's answer. */
  update<R>(name: string, arg: unknown): Promise<R> {
    const h = this.handlers.get(name);
    if (!h || this.status !== 'running')
      return Promise.reject(new Error(`the case ${this.caseId} is not running`));
    try {
      h.validator?.(arg);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return this.invoke(h.handler, arg) as Promise<R>;
  }

  query<R>(name: string): R {
    const h = this.handlers.get(name);
    if (!h) throw new Error(`the case ${this.caseId} has no query ${name}`);
    return h.handler() as R;
  }

  private invoke(handler: Handler, arg: unknown): Promise<unknown> {
    const { time } = this.deps;
    time.touch(this);
    let out: unknown;
    try {
      out = handler(arg);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    if (!(out instanceof Promise)) return Promise.resolve(out);
    this.running++;
    time.began();
    const done = () => {
      this.running--;
      time.ended(this);
    };
    out.then(done, done);
    return out;
  }

  private shell(): CaseShell {
    const { time, clock } = this.deps;
    const setHandler = (
      def: { name: string },
      handler: Handler | undefined,
      options?: { validator?: Handler },
    ) => {
      if (handler) this.handlers.set(def.name, { handler, validator: options?.validator });
      else this.handlers.delete(def.name);
    };
    return {
      clock,
      acts: this.deps.acts(this),
      condition: ((fn: () => boolean, ms?: number) => time.condition(this, fn, ms)) as CaseShell['condition'],
      // A case started in a what-if runs today's code: every patch is in force.
      patched: () => true,
      uuid4: randomUUID,
      setHandler: setHandler as unknown as CaseShell['setHandler'],
      allHandlersFinished: () => this.running === 0,
      continueAsNew: (next) => Promise.reject(new NextRun(next)),
      continueAsNewSuggested: () => false,
      upsertSearchAttributes: () => undefined,
      // The simulated team is this process itself: no API signed its decisions, none is needed.
      verifySignedActor: () => Promise.resolve(),
    };
  }
}
