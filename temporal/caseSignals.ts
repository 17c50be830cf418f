// Telling running cases that something they depend on has changed outside them.
import type { Client } from '@temporalio/client';
import { buildCalendar } from '../domain/calendar';
import { listOpenCaseTasks, openCaseIdsForSchool } from '../store/cases';
import type { Db } from '../store/db';
import { getSchool } from '../store/schools';
import { calendarUpdated } from '../workflows/caseMessages';

/**
 * A school's calendar was imported: every open case of the school reads it afresh, and a case that
 * was waiting at the end of the old calendar carries on. Returns how many cases were told.
 */
export async function notifyCalendarImported(db: Db, temporal: Client, schoolId: string): Promise<number> {
  const school = await getSchool(db, schoolId);
  if (!school) return 0;
  const { lastSchoolDay } = buildCalendar(school.calendar);
  let told = 0;
  for (const caseId of (await openCaseIdsForSchool(db, schoolId)).values()) {
    try {
      await temporal.workflow.getHandle(caseId).signal(calendarUpdated, { lastSchoolDay });
      told++;
    } catch {
      continue; // a case that has just finished needs no calendar
    }
  }
  return told;
}

/**
 * Tells the school's cases that are still waiting at the end of an older calendar than the one now
 * stored (they were not told when it was imported, or paused afterwards on the calendar they held).
 * For an import that brings the calendar unchanged: the cases that have nothing new to read are left
 * alone, since a case told to read a calendar that still ends too soon would resume only to pause
 * again. Returns how many cases were told.
 */
export async function notifyCasesWaitingForCalendar(
  db: Db,
  temporal: Client,
  schoolId: string,
): Promise<number> {
  const school = await getSchool(db, schoolId);
  if (!school) return 0;
  const { lastSchoolDay } = buildCalendar(school.calendar);
  const waiting = new Set(
    (await listOpenCaseTasks(db, [schoolId]))
      .filter(({ task }) => task.purpose === 'calendar' && task.dueOn < lastSchoolDay)
      .map(({ caseId }) => caseId),
  );
  let told = 0;
  for (const caseId of waiting) {
    try {
      await temporal.workflow.getHandle(caseId).signal(calendarUpdated, { lastSchoolDay });
      told++;
    } catch {
      continue;
    }
  }
  return told;
}
