// Small hand-checkable inputs for the storage tests.
import type { SchoolCalendarFile } from '../../domain/types';
import { upnCheckLetter } from '../../store/validate';

export const SCHOOL = '100001';

/** Autumn 2024: 2 Sep (Mon) .. 20 Dec, half term 28 Oct - 1 Nov, INSET day 4 Nov. */
export const CALENDAR: SchoolCalendarFile = {
  school: SCHOOL,
  name: 'Oakfield Primary 2024-25',
  lessonsPerDay: 5,
  terms: [
    {
      name: 'Autumn',
      start: '2024-09-02',
      end: '2024-12-20',
      halfTerm: { start: '2024-10-28', end: '2024-11-01' },
    },
    {
      name: 'Spring',
      start: '2025-01-06',
      end: '2025-04-04',
      halfTerm: { start: '2025-02-17', end: '2025-02-21' },
    },
  ],
  closures: ['2024-11-04'],
};

/** A valid permanent UPN built from 12 digits. */
export function upn(digits12: string): string {
  return upnCheckLetter(digits12) + digits12;
}

export const UPN_A = upn('820200100001');
export const UPN_B = upn('820200100002');
export const UPN_C = upn('820200100003');

export const ROSTER_HEADER =
  'upn,given_name,family_name,year_group,date_of_birth,contact1_name,contact1_email,contact1_phone,contact2_name,contact2_email,contact2_phone,flags';

export function rosterCsv(lines: string[]): string {
  return [ROSTER_HEADER, ...lines].join('\n') + '\n';
}

export const ROSTER = rosterCsv([
  `${UPN_A},Amira,Khan,4,2015-03-14,Sara Khan,sara.khan@example.org,07700 900001,,,,`,
  `${UPN_B},Ben,Lewis,R,2019-11-02,Tom Lewis,tom@example.org,,Jo Lewis,,01632 960001,cp;send`,
  `${UPN_C},Cleo,Morris,11,2009-01-30,,,,,,,lac`,
]);

export function marksCsv(rows: [string, string, string, string][]): string {
  return ['upn,date,session,code', ...rows.map((r) => r.join(','))].join('\n') + '\n';
}
