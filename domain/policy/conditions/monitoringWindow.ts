// noImprovement, improved, windowEnded: the current monitoring window has ended (without
// improvement, with it, or either way), optionally narrowed to a stage, to the window a step
// started, or to the end of the stage's sequence. One file for the three keys: they are one
// reference to the window's end asked three ways, sharing schema, matching and checks; only the
// judgement asked of the window differs.
import { z } from 'zod';
import { id } from '../fields';
import { defineCondition, type ConditionContext } from './kind';
import { quotedStepTitle, stageName, stepTitle } from './words';

const windowRefSchema = z
  .strictObject({
    stage: id.optional().describe('The stage the case must be at (default: the current stage).'),
    afterStep: id
      .optional()
      .describe('Only the monitoring window started by this step (a step with monitor: true).'),
    sequenceDone: z
      .boolean()
      .optional()
      .describe('Only once every in-order step of the stage is done, rejected or skipped.'),
  })
  .describe('The end of the current monitoring window, optionally narrowed.');

export type WindowRef = z.output<typeof windowRefSchema>;

type Want = 'ended' | 'improved' | 'notImproved';

function sequenceDone(ctx: ConditionContext): boolean {
  return (ctx.stage?.steps ?? []).every((s) => s.anytime || ctx.completed.has(s.id));
}

function holds(ctx: ConditionContext, ref: WindowRef, want: Want): string | null {
  if (!ctx.stage || (ref.stage !== undefined && ref.stage !== ctx.stage.id)) return null;
  if (!ctx.window.ended) return null;
  if (ref.afterStep !== undefined && (ctx.state.monitoringStartedBy ?? null) !== ref.afterStep) return null;
  if (ref.sequenceDone && !sequenceDone(ctx)) return null;
  const after = ctx.state.monitoringStartedBy
    ? ` after "${stepTitle(ctx.policy, ctx.state.monitoringStartedBy)}"`
    : '';
  const lead = `the monitoring window${after} (to ${ctx.window.until})`;
  if (want === 'ended') return `the end of ${lead}`;
  const j = ctx.judge();
  if (!j || j.improved !== (want === 'improved')) return null;
  return `${want === 'improved' ? 'improvement' : 'no improvement'} by the end of ${lead}: ${j.texts.join('; ')}`;
}

/** `what` is the judgement asked for in words; null for the end alone. */
function windowReference(description: string, want: Want, what: string | null) {
  return defineCondition({
    schema: windowRefSchema.optional().describe(description),
    holds: (ref, ctx) => holds(ctx, ref, want),
    describe(ref, policy) {
      const parts = what === null ? ['the end of the monitoring window'] : [what];
      if (ref.stage) parts.push(`at ${stageName(policy, ref.stage)}`);
      if (what !== null) parts.push('by the end of the monitoring window');
      if (ref.afterStep) parts.push(`after ${quotedStepTitle(policy, ref.afterStep)}`);
      if (ref.sequenceDone) parts.push('once every step of the stage has run');
      return parts.join(' ');
    },
    check(ref, site) {
      if (ref.stage !== undefined) site.requireStage(ref.stage, [...site.path, 'stage']);
      if (site.list === 'entry') {
        // An entry trigger escalates from an earlier stage's window, so it names that stage.
        if (ref.stage === undefined) {
          site.report({
            rule: 'entry.window-needs-stage',
            message: `an entry trigger "${site.key}" must name the stage whose window it judges (e.g. stage: stage-one)`,
            path: site.path,
          });
        } else {
          const si = site.stageIndexOf(ref.stage);
          if (si !== undefined && si >= site.stageIndex) {
            site.report({
              rule: 'entry.window-stage-not-earlier',
              message: `"${site.key}" at stage "${ref.stage}" can only escalate to a more severe stage`,
              path: [...site.path, 'stage'],
            });
          }
        }
      }
      if (ref.afterStep !== undefined) {
        const step = site.stepOf(ref.afterStep);
        const owner = ref.stage !== undefined ? site.stageIndexOf(ref.stage) : site.stageIndex;
        if (!step) site.requireStep(ref.afterStep, [...site.path, 'afterStep']);
        else if (!step.monitor) {
          site.report({
            rule: 'ref.after-step-not-monitoring',
            message: `step "${ref.afterStep}" does not start a monitoring window (monitor: true)`,
            path: [...site.path, 'afterStep'],
          });
        } else if (owner !== undefined && step.stageIndex !== owner) {
          site.report({
            rule: 'ref.after-step-wrong-stage',
            message: `step "${ref.afterStep}" belongs to stage "${site.stageIdAt(step.stageIndex)}", not "${site.stageIdAt(owner)}"`,
            path: [...site.path, 'afterStep'],
          });
        }
      }
    },
    // The end of a window is what an exit must wait for.
    opensExit: () => true,
  });
}

export const noImprovement = windowReference(
  'The monitoring window has ended without improvement.',
  'notImproved',
  'no improvement',
);
export const improved = windowReference(
  'The monitoring window has ended with improvement.',
  'improved',
  'improvement',
);
export const windowEnded = windowReference(
  'The monitoring window has ended (improved or not).',
  'ended',
  null,
);
