// Booking meetings and home visits: the next free slot in the school's staff availability, on a
// school day on or after the earliest date (which already includes the policy's notice period),
// never double-booked; idempotent on the workflow's bookingId; each parent/carer invited by email
// with an iCalendar REQUEST (or by text when they have only a phone). Times are Europe/London.
import { ApplicationFailure } from '@temporalio/common';
import ical, { ICalAttendeeRole, ICalAttendeeStatus, ICalCalendarMethod } from 'ical-generator';
import { addDays, buildCalendar, type SchoolCalendar } from '../domain/calendar';
import type { LetterStory } from '../domain/letterStory';
import type { IsoDate } from '../domain/types';
import { composeLetter } from '../letters/compose';
import { formatMeetingTime, fromLondon, hhmmOf, minutesOf, toLondon } from '../letters/format';
import type { LetterFigures } from '../letters/merge';
import { GENERIC_MEETING_TEMPLATE } from '../letters/templates';
import { serviceLog, transportsFor, type CaseServicesDeps } from '../messaging/deps';
import { enqueueAndDeliver } from '../messaging/outbox';
import {
  getMeeting,
  insertMeeting,
  listAvailability,
  listBusyMeetings,
  lockSchoolMeetings,
  seedDefaultAvailability,
  setMeetingStatus,
  type AvailabilityWindow,
  type MeetingKind,
  type MeetingRecord,
  type MeetingStatus,
} from '../store/caseServices';
import type { Db } from '../store/db';
import { getSchool } from '../store/schools';
import { activityClock, type ClockDeps } from './clock';
import { asActivityFailure } from './letters';

export interface BookMeetingInput {
  /** Generated once by the workflow: the meeting's id, so a retry returns the same booking. */
  bookingId: string;
  caseId: string;
  schoolId: string;
  pupilId: string;
  stageId: string;
  stepId: string;
  kind: MeetingKind;
  title: string;
  /** The invitation's template (e.g. bradford/attendance-panel-meeting); default generic-meeting-invite. */
  template?: string;
  /** First day a slot may be on; already includes the policy's notice period. */
  earliestDate: IsoDate;
  /** An amended start from the team: ISO date-time with an offset, or London wall time `YYYY-MM-DDTHH:MM`. */
  requestedStart?: string;
  /** Default: the staff member's slot length. */
  durationMinutes?: number;
  /** Default: the school (meetings) or the family's home (home visits). */
  location?: string;
  /** The invitation letter's date (pass the workflow's school day); default today. */
  date?: IsoDate;
  /** Figures for the invitation letter's merge fields, when the caller has them. */
  figures?: LetterFigures;
  /** The engine's reasons: kept for the record, never shown in the invitation. */
  reasons?: string[];
  /** What the invitation may tell the family (its earlier contacts, the kind of absence). */
  story?: LetterStory;
}

export interface BookMeetingResult {
  meetingId: string;
  /** ISO date-time (UTC). */
  startsAt: string;
  endsAt: string;
  staffName: string;
  location: string;
  /** Parents/carers invited (email with .ics, or a text). */
  invited: number;
  /** Invitations held in the outbox (no transport configured). */
  held: number;
  alreadyBooked: boolean;
}

export interface RecordMeetingOutcomeInput {
  meetingId: string;
  status: Exclude<MeetingStatus, 'booked'>;
}

/** How far ahead to look for a free slot before giving up. */
const SEARCH_DAYS = 120;

export function createMeetingActivities(deps: CaseServicesDeps & ClockDeps) {
  const { db } = deps;
  // The case's now (simulated in a simulation), so that no slot is ever offered before it.
  const now = activityClock(deps);

  async function book(input: BookMeetingInput): Promise<{ meeting: MeetingRecord; existed: boolean }> {
    const existing = await getMeeting(db, input.bookingId);
    if (existing) return { meeting: existing, existed: true };
    const school = await getSchool(db, input.schoolId);
    if (!school) {
      throw ApplicationFailure.create({
        type: 'NotFound',
        message: `school ${input.schoolId} not found`,
        nonRetryable: true,
      });
    }
    const calendar = buildCalendar(school.calendar);
    await seedDefaultAvailability(db, input.schoolId);
    const availability = await listAvailability(db, input.schoolId);
    const location = input.location ?? (input.kind === 'homeVisit' ? "At the family's home" : school.name);

    return db.transaction(async (tx) => {
      // One booker per school at a time, so two cases cannot take the same slot.
      await lockSchoolMeetings(tx, input.schoolId);
      const again = await getMeeting(tx, input.bookingId);
      if (again) return { meeting: again, existed: true };
      const slot = input.requestedStart
        ? await requestedSlot(tx, input, availability)
        : await nextFreeSlot(tx, input, calendar, availability, now());
      const meeting: MeetingRecord = {
        id: input.bookingId,
        caseId: input.caseId,
        schoolId: input.schoolId,
        pupilId: input.pupilId,
        stageId: input.stageId,
        stepId: input.stepId,
        kind: input.kind,
        title: input.title,
        startsAt: slot.start.toISOString(),
        endsAt: slot.end.toISOString(),
        staffName: slot.staffName,
        location,
        status: 'booked',
      };
      await insertMeeting(tx, meeting);
      return { meeting, existed: false };
    });
  }

  async function invite(
    input: BookMeetingInput,
    meeting: MeetingRecord,
  ): Promise<{ invited: number; held: number }> {
    const { context, rendered } = await composeLetter(
      db,
      {
        schoolId: meeting.schoolId,
        pupilId: meeting.pupilId,
        template: input.template ?? GENERIC_MEETING_TEMPLATE,
        // The case's today when the workflow does not say (a simulated day in a simulation).
        date: input.date ?? toLondon(now()).date,
        ...(input.figures ? { figures: input.figures } : {}),
        ...(input.story ? { story: input.story } : {}),
        meeting: { startsAt: meeting.startsAt, location: meeting.location, staffName: meeting.staffName },
      },
      {
        ...(deps.signature ? { signature: deps.signature } : {}),
        ...(deps.templatesDir ? { templatesDir: deps.templatesDir } : {}),
      },
    );
    // Through Notify an invitation is its words only: Notify sends no calendar attachment.
    const transports = await transportsFor(deps, input.schoolId);
    const organizer = organizerOf(deps.mailFrom, context.schoolName);
    let invited = 0;
    let held = 0;
    const failures: unknown[] = [];
    for (const c of context.carers) {
      const key = `${meeting.id}:invite:${c.contactIndex}`;
      try {
        let status: string;
        if (c.email) {
          const ics = invitationIcs(
            meeting,
            { name: c.name, email: c.email },
            organizer,
            context.schoolName,
            new Date(),
          );
          const res = await enqueueAndDeliver(db, transports, {
            idempotencyKey: key,
            schoolId: meeting.schoolId,
            caseId: meeting.caseId,
            channel: 'email',
            to: c.email,
            subject: rendered.subject,
            text: rendered.text,
            html: rendered.html,
            ref: meeting.id,
            attachments: [
              {
                filename: 'invite.ics',
                contentType: 'text/calendar; charset=utf-8; method=REQUEST',
                base64: Buffer.from(ics, 'utf8').toString('base64'),
              },
            ],
          });
          status = res.status;
        } else if (c.phone) {
          const res = await enqueueAndDeliver(db, transports, {
            idempotencyKey: key,
            schoolId: meeting.schoolId,
            caseId: meeting.caseId,
            channel: 'sms',
            to: c.phone,
            subject: rendered.subject,
            text: `${context.schoolName}: ${rendered.subject} on ${formatMeetingTime(new Date(meeting.startsAt))}, ${meeting.location}. Please contact the school office if this time does not suit you.`,
            ref: meeting.id,
          });
          status = res.status;
        } else {
          continue;
        }
        invited++;
        if (status === 'held') held++;
      } catch (err) {
        failures.push(err);
      }
    }
    if (failures.length > 0) {
      serviceLog(deps).warn('meeting invitation failed for some recipients; will retry', {
        meetingId: meeting.id,
        failed: failures.length,
      });
      throw failures[0];
    }
    return { invited, held };
  }

  return {
    async bookMeeting(input: BookMeetingInput): Promise<BookMeetingResult> {
      const { meeting, existed } = await book(input);
      let sent: { invited: number; held: number };
      try {
        sent = await invite(input, meeting);
      } catch (err) {
        throw asActivityFailure(err);
      }
      serviceLog(deps).info('meeting booked', {
        meetingId: meeting.id,
        caseId: meeting.caseId,
        startsAt: meeting.startsAt,
        invited: sent.invited,
        held: sent.held,
      });
      return {
        meetingId: meeting.id,
        startsAt: meeting.startsAt,
        endsAt: meeting.endsAt,
        staffName: meeting.staffName,
        location: meeting.location,
        invited: sent.invited,
        held: sent.held,
        alreadyBooked: existed,
      };
    },

    async recordMeetingOutcome(
      input: RecordMeetingOutcomeInput,
    ): Promise<{ meetingId: string; found: boolean }> {
      const updated = await setMeetingStatus(db, input.meetingId, input.status);
      if (!updated)
        serviceLog(deps).warn('meeting outcome for an unknown meeting', { meetingId: input.meetingId });
      else
        serviceLog(deps).info('meeting outcome recorded', {
          meetingId: input.meetingId,
          status: input.status,
        });
      return { meetingId: input.meetingId, found: updated !== null };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Slots

interface Slot {
  start: Date;
  end: Date;
  staffName: string;
}

function overlaps(busy: MeetingRecord[], staffName: string, start: Date, end: Date): boolean {
  return busy.some(
    (m) => m.staffName === staffName && new Date(m.startsAt) < end && new Date(m.endsAt) > start,
  );
}

/** The earliest free slot on a school day on/after earliestDate (and after now), across all staff. */
async function nextFreeSlot(
  db: Db,
  input: BookMeetingInput,
  calendar: SchoolCalendar,
  availability: AvailabilityWindow[],
  now: Date,
): Promise<Slot> {
  const today = toLondon(now).date;
  let day = input.earliestDate > today ? input.earliestDate : today;
  for (let i = 0; i < SEARCH_DAYS; i++, day = addDays(day, 1)) {
    if (!calendar.isSchoolDay(day)) continue;
    const weekday = isoWeekday(day);
    const candidates: Slot[] = [];
    for (const w of availability.filter((a) => a.weekday === weekday)) {
      const duration = input.durationMinutes ?? w.slotMinutes;
      for (let t = minutesOf(w.startTime); t + duration <= minutesOf(w.endTime); t += w.slotMinutes) {
        const start = fromLondon(day, hhmmOf(t));
        if (start <= now) continue;
        candidates.push({
          start,
          end: new Date(start.getTime() + duration * 60_000),
          staffName: w.staffName,
        });
      }
    }
    if (candidates.length === 0) continue;
    candidates.sort(
      (a, b) => a.start.getTime() - b.start.getTime() || a.staffName.localeCompare(b.staffName),
    );
    const busy = await listBusyMeetings(
      db,
      input.schoolId,
      candidates[0]!.start,
      new Date(Math.max(...candidates.map((c) => c.end.getTime()))),
    );
    const free = candidates.find((c) => !overlaps(busy, c.staffName, c.start, c.end));
    if (free) return free;
  }
  throw ApplicationFailure.create({
    type: 'NoFreeSlot',
    message: `no free meeting slot in the ${SEARCH_DAYS} days from ${input.earliestDate}: add staff availability`,
    nonRetryable: true,
  });
}

/** The team's amended time: kept as given, with a staff member who is free then. */
async function requestedSlot(
  db: Db,
  input: BookMeetingInput,
  availability: AvailabilityWindow[],
): Promise<Slot> {
  const start = parseRequestedStart(input.requestedStart!);
  const { date, time } = toLondon(start);
  const weekday = isoWeekday(date);
  const minute = minutesOf(time);
  const covering = availability.filter(
    (w) => w.weekday === weekday && minutesOf(w.startTime) <= minute && minute < minutesOf(w.endTime),
  );
  // Prefer staff whose hours cover the time, then anyone on the availability list.
  const staff = [...new Set([...covering.map((w) => w.staffName), ...availability.map((w) => w.staffName)])];
  for (const staffName of staff) {
    const slotMinutes = availability.find((w) => w.staffName === staffName)?.slotMinutes ?? 30;
    const end = new Date(start.getTime() + (input.durationMinutes ?? slotMinutes) * 60_000);
    const busy = await listBusyMeetings(db, input.schoolId, start, end);
    if (!overlaps(busy, staffName, start, end)) return { start, end, staffName };
  }
  throw ApplicationFailure.create({
    type: 'SlotTaken',
    message: `the requested time ${start.toISOString()} is already booked for every member of staff`,
    nonRetryable: true,
  });
}

export function parseRequestedStart(value: string): Date {
  const local = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2}(\.\d+)?)?$/.exec(value.trim());
  const d = local ? fromLondon(local[1]!, local[2]!) : new Date(value);
  if (Number.isNaN(d.getTime())) {
    throw ApplicationFailure.create({
      type: 'BadRequest',
      message: 'the requested start is not a date-time',
      nonRetryable: true,
    });
  }
  return d;
}

/** 1 = Monday .. 7 = Sunday. */
function isoWeekday(date: IsoDate): number {
  const d = new Date(`${date}T12:00:00Z`).getUTCDay();
  return d === 0 ? 7 : d;
}

// ---------------------------------------------------------------------------------------------
// iCalendar

function organizerOf(mailFrom: string | undefined, schoolName: string): { name: string; email: string } {
  const m = mailFrom ? /^\s*(?:"?([^"<]*)"?\s*)?<?([^<>\s]+@[^<>\s]+)>?\s*$/.exec(mailFrom) : null;
  return { name: m?.[1]?.trim() || schoolName, email: m?.[2] ?? 'attendance@school.invalid' };
}

/** A METHOD:REQUEST invitation for one attendee. UTC times (unambiguous; calendars show local time). */
export function invitationIcs(
  meeting: MeetingRecord,
  attendee: { name: string; email: string },
  organizer: { name: string; email: string },
  schoolName: string,
  stamp: Date,
): string {
  const cal = ical({
    name: schoolName,
    method: ICalCalendarMethod.REQUEST,
    prodId: { company: 'attendance-intervention', product: 'case-services', language: 'EN' },
  });
  cal.createEvent({
    id: `${meeting.id}@attendance-intervention`,
    sequence: 0,
    stamp,
    start: new Date(meeting.startsAt),
    end: new Date(meeting.endsAt),
    summary: meeting.title,
    location: meeting.location,
    description: `${meeting.title}\n${formatMeetingTime(new Date(meeting.startsAt))} (UK time)\nWith: ${meeting.staffName}`,
    organizer,
    attendees: [
      {
        name: attendee.name,
        email: attendee.email,
        rsvp: true,
        role: ICalAttendeeRole.REQ,
        status: ICalAttendeeStatus.NEEDSACTION,
      },
    ],
  });
  return cal.toString();
}
