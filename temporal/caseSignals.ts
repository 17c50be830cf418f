// Telling running cases that something they depend on has changed outside them.
import type { Client } from '@temporalio/client';
import { buildCalendar } from '../domain/calendar';
import { openCaseIdsForSchool } from '../store/cases';
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
