// The shapes the pages read from the API (a subset of each answer).
export type Role = 'officer' | 'manager' | 'admin';

export interface SessionUser {
  id: string;
  email: string;
  displayName: string;
  role: Role;
  allSchools: boolean;
  schoolIds: string[];
}
export interface SchoolRef {
  id: string;
  name: string;
}
export interface Me {
  user: SessionUser;
  csrfToken: string;
  schools: SchoolRef[];
}

export interface Reason {
  rule: string;
  text: string;
}
export interface ProposedStep {
  stageId: string;
  stepId: string;
  kind: string;
  title: string;
  template?: string;
  channel: string;
  approval: 'auto' | 'team' | 'manager';
  reasons: Reason[];
}
export interface PupilRef {
  id: string;
  givenName: string | null;
  familyName: string | null;
  yearGroup?: number | null;
  flags?: string[];
}
export interface ApprovalItem {
  caseId: string;
  schoolId: string;
  pupil: PupilRef;
  stageName: string | null;
  proposalId: string;
  step: ProposedStep;
  approver: 'team' | 'manager';
  proposedAt: string;
  proposedOn: string;
  overdue: boolean;
  escalatedAt: string | null;
  canDecide: boolean;
  stageReasons?: Reason[];
}
export interface Preview {
  kind: 'letter' | 'message' | 'other';
  subject: string;
  text: string;
  html: string | null;
  templateId: string | null;
  templateSource: string | null;
  recipients: { name: string; channel: string }[];
  amended: boolean;
  body: string;
}

export interface CaseListItem {
  caseId: string;
  schoolId: string;
  pupil: PupilRef;
  status: string;
  stageId: string | null;
  stageName: string | null;
  stageRank: number | null;
  openedOn: string;
  pendingApprovals: number;
  nextActionOn: string | null;
  nextAction: string | null;
  attendancePct: number | null;
}

export interface TimelineEvent {
  at: string;
  date: string;
  type: string;
  stageId: string | null;
  text: string;
  reasons?: Reason[];
  actor?: { userId: string; role: string };
  ref?: string;
}
export interface WeekPoint {
  weekStart: string;
  from: string;
  to: string;
  possible: number;
  attendancePct: number | null;
  rolling10Pct: number | null;
  ytdPct: number | null;
}
export interface Threshold {
  value: number;
  label: string;
  kind: 'national' | 'policy';
}
export interface CaseDetail {
  source: 'workflow' | 'projection';
  case: {
    caseId: string;
    status: 'open' | 'paused' | 'closed';
    stageId: string | null;
    stageName: string | null;
    openedOn: string;
    today: string;
    monitoringUntil: string | null;
    pending: (ApprovalItem & { step: ProposedStep; canDecide: boolean })[];
    next: { on: string | null; action: string; reasons: Reason[] };
    latestFacts: {
      asOf: string;
      attendancePct: number | null;
      unauthorised: number;
      unexplained: number;
      lates: number;
    } | null;
    timeline: TimelineEvent[];
    closedReason?: string;
  };
  pupil: {
    id: string;
    upn: string;
    givenName: string;
    familyName: string;
    yearGroup: number | null;
    dateOfBirth: string | null;
    flags: string[];
    contacts: { name: string; email: string | null; phone: string | null }[];
  };
  school: SchoolRef;
  policy: {
    id: string;
    name: string;
    version: string;
    stages: { id: string; name: string; summary: string }[];
  } | null;
  series: WeekPoint[];
  thresholds: Threshold[];
  letters: {
    id: string;
    subject: string;
    templateId: string;
    sentOn: string;
    amended: boolean;
    recipients: { name: string; channel: string }[];
  }[];
  meetings: {
    id: string;
    kind: string;
    title: string;
    startsAt: string;
    endsAt: string;
    staffName: string;
    location: string;
    status: string;
    stepId: string;
  }[];
  tasks: { id: string; kind: string; title: string; dueOn: string; status: string }[];
  messages: {
    id: string;
    channel: string;
    subject: string;
    status: string;
    createdAt: string;
    sentAt: string | null;
  }[];
  outcomeKinds: string[];
  permissions: { recordEvents: boolean };
}
