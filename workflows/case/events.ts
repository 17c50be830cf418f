// The events the team records on a case: an outcome (a meeting attended, medical evidence), a pause
// and a resume, a close, a note. Each is refused with a reason a person can act on, and none may be
// dated in the future.
import { OUTCOME_KINDS } from '../../domain/caseTypes';
import { recordOutcome } from '../../domain/policy/decide';
import type { Actor, HumanEvent } from '../caseMessages';
import type { CaseEntity } from './entity';
import { outcomeText } from './texts';

export function validateEvent(c: CaseEntity, e: HumanEvent): void {
  const r = c.record;
  if (r.status === 'closed') throw new Error('this case is closed');
  c.validateDay(e.on);
  switch (e.event.type) {
    case 'outcome':
      if (!OUTCOME_KINDS.includes(e.event.outcome)) throw new Error(`unknown outcome "${e.event.outcome}"`);
      break;
    case 'pause':
      if (r.status === 'paused') throw new Error('the case is already paused');
      if (!e.event.reason?.trim()) throw new Error('a pause needs a reason');
      break;
    case 'resume':
      if (r.status !== 'paused') throw new Error('the case is not paused');
      if (r.pausedFor === 'calendar')
        throw new Error('the case waits for next year’s calendar: import it to resume');
      break;
    case 'close':
      if (!e.event.reason?.trim()) throw new Error('closing a case needs a reason');
      break;
    case 'note':
      if (!e.note?.trim()) throw new Error('a note needs text');
      break;
  }
}

/** Applies a human event; returns its timeline index. */
export function recordEvent(c: CaseEntity, e: HumanEvent): number {
  const r = c.record;
  const on = e.on ?? c.today();
  const actor: Actor = e.actor;
  switch (e.event.type) {
    case 'outcome': {
      const { stepId } = e.event;
      r.caseState = recordOutcome(r.caseState, { kind: e.event.outcome, on, stepId: e.event.stepId });
      const held =
        e.event.outcome === 'meetingAttended' ? true : e.event.outcome === 'meetingMissed' ? false : null;
      const meeting = [...r.contacts].reverse().find((m) => m.kind === 'meeting' && m.stepId === stepId);
      if (held !== null && meeting) meeting.attended = held;
      return c.log({
        type: 'outcomeRecorded',
        text: outcomeText(e.event.outcome, e.note),
        stepId: e.event.stepId,
        actor,
      });
    }
    case 'pause':
      c.pause(e.event.reason, 'team');
      return c.log({ type: 'paused', text: `Case paused: ${e.event.reason}`, actor });
    case 'resume':
      c.resume();
      return c.log({ type: 'resumed', text: 'Case resumed', actor });
    case 'close':
      r.status = 'closed';
      r.closedReason = e.event.reason;
      return c.log({ type: 'closed', text: `Case closed by the attendance team: ${e.event.reason}`, actor });
    case 'note':
      return c.log({ type: 'note', text: e.note ?? '', actor });
  }
}
