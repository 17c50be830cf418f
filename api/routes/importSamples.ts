// Sample files for the Imports page, made from the same column lists and calendar rules the import
// checks against, so a sample can never drift from what is accepted (test/api/importSamples.test.ts
// imports each one). Invented pupils; dates in the UK form an MIS export uses, which is accepted.
import { z } from 'zod';
import { stringify } from 'csv-stringify/sync';
import { academicYearStart } from '../../domain/calendar';
import { englishSchoolYear } from '../../domain/englishCalendar';
import { ROSTER_COLUMNS, ROSTER_OPTIONAL_COLUMNS, upnCheckLetter } from '../../store/validate';
import type { AppContext, ZodApp } from '../context';

const upn = (n: number) => {
  const digits = `8209999${String(n).padStart(5, '0')}`;
  return upnCheckLetter(digits) + digits;
};
const uk = (iso: string) => `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}`;

export function sampleRoster(): string {
  const header = [...ROSTER_COLUMNS, ...ROSTER_OPTIONAL_COLUMNS];
  const row = (values: Record<string, string>) => header.map((c) => values[c] ?? '');
  return stringify([
    header,
    row({
      upn: upn(1),
      given_name: 'Ada',
      family_name: 'Example',
      year_group: '4',
      date_of_birth: '14/03/2017',
      contact1_name: 'Sam Example',
      contact1_email: 'sam.example@example.org',
      contact1_phone: '07700 900123',
      contact1_address: '12 Acacia Row | Little Marston | Northshire',
      contact1_postcode: 'NS1 4AB',
      flags: '',
      sex: 'F',
      sen: 'N',
      pupil_premium: 'N',
    }),
    row({
      upn: upn(2),
      given_name: 'Ben',
      family_name: 'Sample',
      year_group: '7',
      date_of_birth: '02/11/2013',
      contact1_name: 'Jo Sample',
      contact1_email: 'jo.sample@example.org',
      contact2_name: 'Alex Sample',
      contact2_phone: '07700 900456',
      // An address may also be written on several lines inside one quoted field.
      contact2_address: '3 Foxglove Street\nFernby\nNorthshire',
      contact2_postcode: 'NS4 7QT',
      flags: 'send',
      start_date: '04/09/2025',
      sex: 'M',
      sen: 'K',
      pupil_premium: 'Y',
    }),
  ]);
}

/** The first two school days of the term that holds `today` (or the first term), both sessions. */
export function sampleMarks(today: string): string {
  const { terms, closures } = englishSchoolYear(Number(academicYearStart(today).slice(0, 4)));
  const days = weekdaysFrom(terms[0]!.start, 2, new Set(closures));
  return stringify([
    ['upn', 'date', 'session', 'code'],
    ...days.flatMap((d) => [
      [upn(1), uk(d), 'AM', '/'],
      [upn(1), uk(d), 'PM', '\\'],
      [upn(2), uk(d), 'AM', d === days[0] ? 'I' : 'N'],
      [upn(2), uk(d), 'PM', d === days[0] ? 'I' : 'N'],
    ]),
  ]);
}

export function sampleCalendar(today: string, schoolId = 'YOUR-SCHOOL-ID'): string {
  const year = Number(academicYearStart(today).slice(0, 4));
  const { terms, closures } = englishSchoolYear(year);
  return `${JSON.stringify(
    {
      school: schoolId,
      name: 'Your School',
      lessonsPerDay: 5,
      localAuthority: 'Your Council',
      terms,
      closures,
    },
    null,
    2,
  )}\n`;
}

/** The first `n` school days from `start`: weekdays that are not closures (INSET days). */
function weekdaysFrom(start: string, n: number, closures: Set<string>): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${start}T12:00:00Z`); out.length < n; t += 86_400_000) {
    const d = new Date(t);
    const iso = d.toISOString().slice(0, 10);
    if (d.getUTCDay() !== 0 && d.getUTCDay() !== 6 && !closures.has(iso)) out.push(iso);
  }
  return out;
}

export async function registerImportSampleRoutes(app: ZodApp, ctx: AppContext): Promise<void> {
  app.get(
    '/api/imports/samples/:file',
    {
      config: { roles: ['manager', 'admin'] },
      schema: {
        tags: ['imports'],
        summary: 'A sample file to start from: roster.csv, marks.csv or calendar.json',
        params: z.object({
          file: z.enum(['roster.csv', 'marks.csv', 'calendar.json'], {
            error: 'one of roster.csv, marks.csv, calendar.json',
          }),
        }),
      },
    },
    async (req, reply) => {
      const { file } = req.params;
      const body =
        file === 'roster.csv'
          ? sampleRoster()
          : file === 'marks.csv'
            ? sampleMarks(ctx.today())
            : sampleCalendar(ctx.today());
      return reply
        .type(file.endsWith('.csv') ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8')
        .header('content-disposition', `attachment; filename="sample-${file}"`)
        .send(body);
    },
  );
}
