// A staged-intervention policy is data. This is its shape: one zod schema, from which the types and
// the editors' JSON Schema (policies/policy.schema.json) are both derived.
//
// Vocabulary used throughout:
// - A *condition* is an object with one or more keys; ALL of its keys must hold.
// - A *condition list* (entry triggers, step `when`, exit `when`) holds when ANY of its conditions holds.
// So "attendance below 50% or a CP/CIN plan" is a list of two conditions, and "no improvement and
// unexplained absences outstanding" is one condition with two keys.
import { z } from 'zod';
import { STEP_KINDS } from '../caseTypes';
import { attendanceConditionSchema } from './conditions/attendance';
import { conditionShape } from './conditions/index';
import { id, pct, windowKind } from './fields';

export { WINDOW_KINDS } from './fields';
export { attendanceConditionSchema, bandSchema } from './conditions/attendance';
export type { AttendanceCondition, Band } from './conditions/attendance';
export type { WindowRef } from './conditions/monitoringWindow';

export const PENALTY_COUNTING_CODES = ['G', 'N', 'O', 'U'] as const;
export const CHANNELS = ['email', 'letter', 'sms', 'app', 'phone', 'inPerson', 'none'] as const;
export const APPROVALS = ['auto', 'team', 'manager'] as const;
export const CADENCES = ['weekly', 'daily', 'none'] as const;

export const durationSchema = z
  .strictObject({
    schoolWeeks: z.int().min(1).optional(),
    schoolDays: z.int().min(1).optional(),
  })
  .refine((d) => (d.schoolWeeks === undefined) !== (d.schoolDays === undefined), {
    message: 'give exactly one of schoolWeeks or schoolDays',
  })
  .describe(
    'A length of time in school weeks or school days (from the school calendar, never calendar days).',
  );

// Each key of a condition is a kind of its own, in conditions/<kind>.ts.
export const conditionSchema = z
  .strictObject(conditionShape)
  .refine((c) => Object.values(c).some((v) => v !== undefined), {
    message: 'a condition needs at least one key',
  })
  .describe('All keys must hold.');

export const conditionListSchema = z
  .array(conditionSchema)
  .describe('Holds when any of its conditions holds.');

export const stepSchema = z.strictObject({
  id,
  kind: z.enum(STEP_KINDS),
  title: z.string().min(1),
  description: z.string().optional(),
  template: z.string().optional().describe('Letter/message template name.'),
  channel: z.enum(CHANNELS),
  approval: z.enum(APPROVALS).describe('auto: runs by itself; team/manager: waits for approval.'),
  waitAfter: durationSchema.optional().describe('Wait after this step before the next in-order step.'),
  monitor: z
    .boolean()
    .default(false)
    .describe(
      'The wait after this step is a monitoring window: baseline when done, improvement judged at its end.',
    ),
  noticeSchoolDays: z.int().min(0).optional().describe('Minimum notice for a meeting or announced visit.'),
  staffMinutes: z
    .int()
    .min(0)
    .optional()
    .describe(
      'Staff time one of these steps takes (preparation, the meeting or visit, the notes), for what-if planning only. Not stated: a meeting 60 minutes, a home visit 90, anything else 0.',
    ),
  when: conditionListSchema.optional().describe('The step runs only when any of these holds.'),
  skipWhen: conditionListSchema.optional().describe('The step is skipped when any of these holds.'),
  otherwise: z
    .enum(['wait', 'skip'])
    .default('wait')
    .describe(
      'When `when` does not hold on its turn: wait for it, or skip (skipping waits for the end of a running monitoring window).',
    ),
  anytime: z
    .boolean()
    .default(false)
    .describe('Not in the sequence: due whenever `when` holds, once per stage; never blocks other steps.'),
  support: z
    .array(z.string().min(1))
    .optional()
    .describe(
      'A notice to improve: the support the school offers the family during the improvement period, as the letter lists it (written for parents).',
    ),
});

export const IMPROVEMENT_MEASURES = ['window', 'rollingChange'] as const;

export const improvementSchema = z
  .strictObject({
    measure: z
      .enum(IMPROVEMENT_MEASURES)
      .default('window')
      .describe(
        "Engine 2. window: attendance during the monitoring window itself (windowAttendanceAtLeast); rollingChange: the change in the baseline window's figure since the baseline (`attendance`), as engine 1 always judges.",
      ),
    windowAttendanceAtLeast: pct
      .optional()
      .describe(
        "Engine 2, measure window: attendance during the window at least this. Not stated: back above the stage's own band (its top edge, on the side the band leaves it), or for a stage without a band the universal band's edge, or 95%.",
      ),
    attendance: z
      .strictObject({
        upBy: z.number().min(0).describe('Points of attendance gained since the baseline.'),
        orAtLeast: pct.optional().describe('... or attendance at least this.'),
        orAboveBand: z
          .boolean()
          .default(false)
          .describe("... or attendance back above the stage's own band."),
      })
      .optional()
      .describe('measure rollingChange (and every case on engine 1): the change since the baseline.'),
    noNewUnauthorised: z.boolean().default(false),
    noNewUnexplained: z.boolean().default(false),
    maxNewUnauthorised: z
      .int()
      .min(0)
      .optional()
      .describe('Engine 2: new unauthorised sessions allowed in the window (noNewUnauthorised: 0).'),
    maxNewUnexplained: z
      .int()
      .min(0)
      .optional()
      .describe('Engine 2: new unexplained absences (spells) allowed in the window (noNewUnexplained: 0).'),
    maxNewLates: z.int().min(0).optional(),
  })
  .describe(
    "What counts as improvement over a monitoring window (all parts must hold), judged against the window's baseline.",
  );

export const exitSchema = z
  .strictObject({
    close: z.literal(true).optional(),
    deescalateTo: id.optional(),
    when: conditionListSchema.min(1),
    reason: z.string().optional(),
  })
  .refine((e) => (e.close === true) !== (e.deescalateTo !== undefined), {
    message: 'an exit either closes (close: true) or de-escalates (deescalateTo: stage)',
  });

export const stageSchema = z.strictObject({
  id,
  name: z.string().min(1),
  summary: z.string().min(1),
  entry: conditionListSchema.default([]).describe('Entry triggers: the stage applies when any holds.'),
  cadence: z.enum(CADENCES).default('weekly').describe('How often the case is checked while at this stage.'),
  monitoring: durationSchema
    .optional()
    .describe('A monitoring window started when the case enters the stage.'),
  review: durationSchema
    .optional()
    .describe(
      'When a window has ended and nothing else is due, start another of this length (rolling review).',
    ),
  improvement: improvementSchema.default({
    measure: 'window',
    attendance: { upBy: 1, orAboveBand: true },
    noNewUnauthorised: true,
    noNewUnexplained: true,
  }),
  steps: z.array(stepSchema).default([]),
  exits: z.array(exitSchema).default([]),
});

export const notAutomatedSchema = z.strictObject({
  instruction: z.string().min(1),
  stage: id.optional(),
  reason: z.string().min(1),
  becomes: z.string().optional().describe('What the product does instead, if anything (e.g. a staff task).'),
});

export const policySchema = z
  .strictObject({
    $schema: z.string().optional(),
    id,
    name: z.string().min(1),
    version: z.union([z.string().min(1), z.number()]),
    description: z.string().min(1),
    penaltyNotice: z
      .strictObject({
        countingCodes: z.array(z.enum(PENALTY_COUNTING_CODES)).min(1).default(['G', 'N', 'O', 'U']),
      })
      .default({ countingCodes: ['G', 'N', 'O', 'U'] }),
    baselineWindow: windowKind
      .default('rolling10')
      .describe('The attendance figure a baseline records and improvement is measured on.'),
    unexplainedAbsence: z
      .strictObject({
        graceSchoolDays: z
          .int()
          .min(0)
          .default(5)
          .describe(
            'School days an N (reason not yet provided) may stay unresolved before it counts as an unexplained absence.',
          ),
      })
      .default({ graceSchoolDays: 5 })
      .describe(
        'Engine 2: an N counts (as unexplained, as unauthorised, towards the penalty threshold) only once unresolved for the grace period, and one continuous spell of absence is one unexplained absence.',
      ),
    entryMinimumSessions: z
      .int()
      .min(0)
      .default(20)
      .describe(
        'Engine 2: no stage is entered (no case opened or escalated by an entry trigger) while the pupil has fewer possible sessions than this in the baseline window.',
      ),
    medicalEvidence: z
      .strictObject({
        excusesIllness: z
          .boolean()
          .default(true)
          .describe(
            'While the latest evidence outcome of an open case is medicalEvidenceReceived, illness and medical sessions (I, M) are left out of the attendance that decides escalation and improvement.',
          ),
      })
      .default({ excusesIllness: true })
      .describe('Engine 2: what medical evidence recorded by staff does.'),
    universal: z
      .strictObject({
        name: z.string().min(1),
        summary: z.string().min(1),
        attendance: attendanceConditionSchema,
      })
      .optional()
      .describe('The band where no case is opened (universal support for every pupil).'),
    closeWhenOffRoll: z.boolean().default(true),
    stages: z.array(stageSchema).min(1).describe('Ordered from least to most severe.'),
    notAutomated: z.array(notAutomatedSchema).default([]),
  })
  .describe('A staged attendance-intervention policy.');

export type Policy = z.output<typeof policySchema>;
export type PolicyInput = z.input<typeof policySchema>;
export type Stage = Policy['stages'][number];
export type Step = Stage['steps'][number];
export type Condition = z.output<typeof conditionSchema>;
export type Improvement = z.output<typeof improvementSchema>;
export type Exit = Stage['exits'][number];
export type Duration = z.output<typeof durationSchema>;

export { figureOptionsFor } from './figureOptions';

/** The JSON Schema editors use (yaml-language-server); regenerate with `npm run policy:schema`. */
export function policyJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(policySchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}

/** What `npm run policy:schema` writes to policies/policy.schema.json (a test keeps the file up to date). */
export function policySchemaText(): string {
  return `${JSON.stringify({ title: 'Staged attendance-intervention policy', ...policyJsonSchema() }, null, 2)}\n`;
}
