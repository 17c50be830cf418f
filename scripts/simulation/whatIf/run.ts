// A what-if: one policy, or two side by side, over the same pupils and days, for one school or every
// school in the store. Each school runs on its own private copy (nothing is sent, the store is not
// changed), and each policy's runs are counted into one report (report.ts); with two policies, the
// pupils whose routes differ are listed with where they part (compare.ts).
import type { Policy } from '../../../domain/policy/schema';
import type { IsoDate } from '../../../domain/types';
import type { Db } from '../../../store/db';
import { listSchools } from '../../../store/schools';
import { runInProcess } from '../inProcess/runInProcess';
import { runSimulation, type ApproveRule, type SimulationResult } from '../runSimulation';
import { differingRoutes, type RouteDifference } from './compare';
import { forReport, whatIfReport, type WhatIfReport } from './report';
import { runSchoolsInThreads } from './schoolPool';

export interface WhatIfOptions {
  source: Db;
  /** One school, or every school in the store when not given. */
  schoolId?: string;
  policy: Policy;
  compareWith?: Policy;
  from: IsoDate;
  to: IsoDate;
  approve: ApproveRule;
  /** fast (the default): the case code in this process; temporal: the workflows on the time-skipping server. */
  engine?: 'fast' | 'temporal';
  /**
   * Fast engine, several schools: how many run side by side, each on a thread of its own
   * (schoolPool.ts). Default 1, in this thread: a server keeps its other cores for its pages.
   */
  threads?: number;
  /** Progress: which policy and school, and the day within its run. */
  onProgress?: (p: { policy: string; school: string; day: IsoDate; index: number; total: number }) => void;
}

export interface WhatIfResult {
  reports: [WhatIfReport] | [WhatIfReport, WhatIfReport];
  /** With two policies: every pupil whose route differs. */
  differences?: RouteDifference[];
}

export async function runWhatIf(opts: WhatIfOptions): Promise<WhatIfResult> {
  const schoolIds = opts.schoolId ? [opts.schoolId] : (await listSchools(opts.source)).map((s) => s.id);
  if (schoolIds.length === 0) throw new Error('there are no schools in the store: import one first');
  const run = opts.engine === 'temporal' ? runSimulation : runInProcess;
  const threads = opts.engine === 'temporal' ? 1 : Math.min(opts.threads ?? 1, schoolIds.length);
  const reportFor = async (policy: Policy): Promise<WhatIfReport> => {
    if (threads > 1) {
      const runs = await runSchoolsInThreads(opts.source, schoolIds, {
        policy,
        from: opts.from,
        to: opts.to,
        approve: opts.approve,
        threads,
        onDay: (school, day, index, total) =>
          opts.onProgress?.({ policy: policy.name, school, day, index, total }),
      });
      return whatIfReport(policy, runs);
    }
    const runs: SimulationResult[] = [];
    for (const schoolId of schoolIds) {
      runs.push(
        forReport(
          await run({
            source: opts.source,
            schoolId,
            policy,
            from: opts.from,
            to: opts.to,
            approve: opts.approve,
            onDay: (day, index, total) =>
              opts.onProgress?.({ policy: policy.name, school: schoolId, day, index, total }),
          }),
        ),
      );
    }
    return whatIfReport(policy, runs);
  };
  const first = await reportFor(opts.policy);
  if (!opts.compareWith) return { reports: [first] };
  const second = await reportFor(opts.compareWith);
  return { reports: [first, second], differences: differingRoutes(first, second) };
}
