// Harbour Lane Primary's MIS, as the stand-in serves it: three pupils with their parents (and an
// aunt without parental responsibility, who gets no letters), and a week of registers. The same
// school as the CSV files a school would upload, for comparing what each brings in.
import type { IsoDate } from '../../domain/types';
import { upnFor } from '../workflows/harness';
import type { StandInSession, StandInStudent } from '../support/wondeStandIn';

export const WEEK: IsoDate[] = ['2025-11-17', '2025-11-18', '2025-11-19', '2025-11-20', '2025-11-21'];

export const STUDENTS: StandInStudent[] = [
  {
    id: 'A1000001',
    misId: '14001',
    forename: 'Amira',
    surname: 'Khan',
    dateOfBirth: '2015-03-14',
    upn: upnFor(1),
    ncYear: 5,
    contacts: [
      {
        id: 'B2000001',
        forename: 'Sara',
        surname: 'Khan',
        relationship: 'Mother',
        parentalResponsibility: true,
        priority: 1,
        email: 'sara.khan@example.org',
        mobile: '07700 900123',
        address: { lines: ['12 Harbour Lane', 'Seaton'], postcode: 'EX12 2AB' },
      },
      {
        id: 'B2000003',
        forename: 'Nadia',
        surname: 'Begum',
        relationship: 'Aunt',
        parentalResponsibility: false,
        priority: 2,
        email: 'nadia.begum@example.org',
      },
      {
        id: 'B2000002',
        forename: 'Omar',
        surname: 'Khan',
        relationship: 'Father',
        parentalResponsibility: true,
        priority: 3,
        email: 'omar.khan@example.org',
      },
    ],
  },
  {
    id: 'A1000002',
    misId: '14002',
    forename: 'Ben',
    surname: 'Cole',
    dateOfBirth: '2015-07-02',
    upn: upnFor(2),
    ncYear: 5,
    contacts: [
      {
        id: 'B2000004',
        forename: 'Lee',
        surname: 'Cole',
        relationship: 'Father',
        parentalResponsibility: true,
        priority: 1,
        mobile: '07700 900456',
        address: { lines: ['3 Quay Street', 'Flat 2', 'Seaton'], postcode: 'EX12 3DN' },
      },
    ],
  },
  {
    id: 'A1000003',
    misId: '14003',
    forename: 'Cara',
    surname: 'Doyle',
    dateOfBirth: '2014-12-30',
    upn: upnFor(3),
    ncYear: 5,
    contacts: [
      {
        id: 'B2000005',
        forename: 'Jo',
        surname: 'Doyle',
        relationship: 'Mother',
        parentalResponsibility: true,
        priority: 1,
        email: 'jo.doyle@example.org',
      },
    ],
  },
];

/** Amira: unexplained absence on Monday, ill on Wednesday morning; Ben late on Tuesday; Cara always in. */
export function weekOfMarks(): StandInSession[] {
  const out: StandInSession[] = [];
  for (const s of STUDENTS)
    for (const date of WEEK)
      for (const session of ['AM', 'PM'] as const) {
        let code = session === 'AM' ? '/' : '\\';
        if (s.forename === 'Amira' && date === '2025-11-17') code = 'N';
        if (s.forename === 'Amira' && date === '2025-11-19' && session === 'AM') code = 'I';
        if (s.forename === 'Ben' && date === '2025-11-18' && session === 'AM') code = 'L';
        out.push({ studentId: s.id, date, session, code });
      }
  return out;
}

/** The same pupils as the roster CSV a school would upload (contacts with parental responsibility). */
export function rosterCsv(): string {
  const header =
    'upn,given_name,family_name,year_group,date_of_birth,contact1_name,contact1_email,contact1_phone,contact1_address,contact1_postcode,contact2_name,contact2_email,contact2_phone,flags';
  const rows = [
    `${upnFor(1)},Amira,Khan,5,2015-03-14,Sara Khan,sara.khan@example.org,07700 900123,12 Harbour Lane|Seaton,EX12 2AB,Omar Khan,omar.khan@example.org,,`,
    `${upnFor(2)},Ben,Cole,5,2015-07-02,Lee Cole,,07700 900456,3 Quay Street|Flat 2|Seaton,EX12 3DN,,,,`,
    `${upnFor(3)},Cara,Doyle,5,2014-12-30,Jo Doyle,jo.doyle@example.org,,,,,,,`,
  ];
  return [header, ...rows].join('\n') + '\n';
}

/** The same week of marks as the marks CSV a school would upload. */
export function marksCsv(): string {
  const upnOf = new Map(STUDENTS.map((s) => [s.id, s.upn]));
  const lines = weekOfMarks().map((m) => `${upnOf.get(m.studentId)},${m.date},${m.session},${m.code}`);
  return ['upn,date,session,code', ...lines].join('\n') + '\n';
}
