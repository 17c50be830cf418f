// Plain words for the kinds of step and task the dashboard counts (policy step kinds, and the task
// kinds the case engine adds: a phone call, posting a letter, a step done by hand).
const KIND_LABELS: Record<string, string> = {
  message: 'Messages',
  letter: 'Letters',
  meeting: 'Meetings',
  homeVisit: 'Home visits',
  attendanceContract: 'Attendance contracts',
  attendancePlan: 'Attendance plans',
  referral: 'Referrals',
  penaltyNoticeConsideration: 'Penalty notice decisions',
  noticeToImprove: 'Notices to improve',
  statutoryInterventionRequest: 'Statutory intervention requests',
  councilNotification: 'Council notifications',
  staffTask: 'Other tasks',
  phoneCall: 'Phone calls',
  postLetter: 'Letters to post',
  byHand: 'Steps done by hand',
  calendar: 'Next year’s calendar',
};

/** "Home visits" for homeVisit; an unknown kind is split into words ("fooBar" → "Foo bar"). */
export function kindLabel(kind: string): string {
  const known = KIND_LABELS[kind];
  if (known) return known;
  const words = kind.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
