// The events the team records on a case: an outcome (a meeting attended, medical evidence), a pause
// and a resume, a close, a note. Each is refused with a reason a person can act on, and none may be
// dated in the future.
import { OUTCOME_KINDS, type OutcomeKind } from '../../domain/caseTypes';
import type { IsoDate } from '../../domain/types';
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
      validateMeetingOutcome(c, e.event.outcome, e.event.stepId, e.on ?? c.today());
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

/**
 * An outcome about a meeting must be about one that was booked on this case and has taken place:
 * "attended" or "missed" names its meeting (the step that booked it) and is recorded on or after its
 * day; a contract is signed or declined at a meeting, so one must have been held. Validators are not
 * run when a case replays, so these checks need no patch (docs/workflow-versioning.md).
 */
function validateMeetingOutcome(
  c: CaseEntity,
  outcome: OutcomeKind,
  stepId: string | undefined,
  on: IsoDate,
): void {
  const meetings = c.record.contacts.filter((m) => m.kind === 'meeting');
  if (outcome === 'meetingAttended' || outcome === 'meetingMissed') {
    if (!stepId) throw new Error('say which meeting this is about');
    const meeting = [...meetings].reverse().find((m) => m.stepId === stepId);
    if (!meeting) throw new Error('no meeting was booked for that step on this case');
    if (meeting.date > on)
      throw new Error(`that meeting is on ${meeting.date}: record what happened once it has taken place`);
  }
  if (outcome === 'contractSigned' || outcome === 'contractDeclined') {
    const held = meetings.filter((m) => (!stepId || m.stepId === stepId) && m.date <= on);
    if (held.length === 0)
      throw new Error(
        'an attendance contract is signed or declined at a meeting with the parents, and none has taken place on this case: book the meeting first',
      );
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
