// UK formats, said plainly.
const longDate = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  timeZone: 'UTC',
});
const shortDate = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
const dateTime = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  hour: '2-digit',
  minute: '2-digit',
  timeZone: 'Europe/London',
});

export function fmtDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
  return Number.isNaN(d.getTime()) ? iso : longDate.format(d);
}
export function fmtShortDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
  return Number.isNaN(d.getTime()) ? iso : shortDate.format(d);
}
/** Accepts ISO date-times and PostgreSQL's text form ("2026-11-22 23:45:58.535+00"). */
export function fmtDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00'));
  return Number.isNaN(d.getTime()) ? iso : dateTime.format(d);
}
export function fmtPct(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : `${Math.round(n * 10) / 10}%`;
}
export function yearLabel(y: number | null | undefined): string {
  if (y === null || y === undefined) return '—';
  if (y === 0) return 'Reception';
  if (y === -1) return 'Nursery';
  if (y === -2) return 'Nursery 1';
  return `Year ${y}`;
}
export function pupilName(p: { givenName: string | null; familyName: string | null }): string {
  return [p.givenName, p.familyName].filter(Boolean).join(' ') || 'Unknown pupil';
}
const FLAG_NAMES: Record<string, string> = {
  cin: 'Child in Need',
  cp: 'Child Protection',
  send: 'SEND',
  ehcp: 'EHCP',
  lac: 'Looked after',
  young_carer: 'Young carer',
};
export function flagName(f: string): string {
  return FLAG_NAMES[f] ?? f;
}
export const ALL_FLAGS = Object.keys(FLAG_NAMES);

const OUTCOME_NAMES: Record<string, string> = {
  meetingAttended: 'Meeting attended',
  meetingMissed: 'Meeting missed',
  contractSigned: 'Attendance contract signed',
  contractDeclined: 'Attendance contract declined',
  medicalEvidenceReceived: 'Medical evidence received',
  noMedicalEvidence: 'No medical evidence',
  homeVisitCompleted: 'Home visit completed',
  homeVisitNoAccess: 'Home visit: no access',
  planReviewedImproved: 'Plan reviewed: improved',
  planReviewedNotImproved: 'Plan reviewed: not improved',
};
export function outcomeName(k: string): string {
  return OUTCOME_NAMES[k] ?? k;
}
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
