// The shapes the pages read from the API, as the server defines them. Type-only imports: the build
// erases them, so nothing server-side reaches the browser bundle. Where a route builds its answer
// in place, the answer is put together here from the server's own parts.
import type { Reason } from '../../domain/caseTypes';
import type { PublicUser } from '../../api/auth/routes';
import type { User } from '../../api/auth/users';
import type { WeekPoint, Threshold } from '../../api/services/attendance';
import type { ImportJob } from '../../api/services/importJobs';
import type { CaseAwaitingApproval } from '../../store/cases';
import type { LetterRecord, MeetingRecord, OutboxRecord, StaffTaskRecord } from '../../store/caseServices';
import type { Pupil } from '../../store/pupils';
import type { ENQUIRY_METHODS, FIRST_DAY_CALL_OUTCOMES } from '../../store/returns';
import type { OUTCOME_WORDS } from '../../domain/penaltyNotices';
import type { EvidencePackSummary } from '../../api/routes/evidence';
import type { Manifest } from '../../evidence/pack';
import type { CaseTask, CaseView, PendingProposal } from '../../workflows/caseMessages';

export type { Reason, ProposedStep } from '../../domain/caseTypes';
export type { PolicyIssue } from '../../domain/policy/validate';
export type { ReadableAuditEntry as AuditEntry } from '../../api/services/auditSentences';
export type { PupilChange } from '../../store/pupilChanges';
export type { SignedIn as Me, PublicUser as SessionUser, SchoolRef } from '../../api/auth/routes';
export type { Role } from '../../api/auth/users';
export type { WeekPoint, Threshold } from '../../api/services/attendance';
export type { Preview } from '../../api/services/letterPreview';
export type { CaseListItem } from '../../store/cases';
export type { CaseTask, TimelineEvent } from '../../workflows/caseMessages';
export type { MeetingPlan, StepPlan, TaskOutcomeChoice, TaskPlan } from '../../domain/stepPlan';
export type { TaskListAnswer, TaskListItem, TaskOutcomeAnswer } from '../../api/routes/tasks';
export type { MyWorkAnswer } from '../../api/routes/myWork';
export type { WorkItem } from '../../api/services/myWork';
export type { OutboxAnswer, OutboxMessageView, SendHeldAnswer } from '../../api/routes/letters';
export type { PostBatchSummary } from '../../api/routes/postBatch';
export type { DashboardAnswer, DashboardTasks } from '../../api/routes/dashboard';
export type { IntegrationsAnswer } from '../../api/routes/integrations';
export type { MisSyncRecord } from '../../store/integrations';
export type { ReturnCell, ReturnKind, ReturnList } from '../../api/services/returns';
export type { EnquiryMethod, FirstDayCall, FirstDayCallOutcome, RollEnquiry } from '../../store/returns';
export type {
  ConsiderationResult,
  ParentNotices,
  PenaltyNoticesAnswer,
} from '../../api/routes/penaltyNotices';
export type { NoticeTerms, PenaltyNoticeOutcome } from '../../domain/penaltyNotices';
export type { PenaltyNoticeChange, PenaltyNoticeRecord } from '../../store/penaltyNotices';

/** The readable names of the first-day call outcomes, exactly as the server words them. */
export type FirstDayCallOutcomeLabels = typeof FIRST_DAY_CALL_OUTCOMES;
/** The readable names of the ways an enquiry before removal from roll is made. */
export type EnquiryMethodLabels = typeof ENQUIRY_METHODS;
/** How each penalty-notice outcome is said, as the server words it on the case page and in the evidence pack. */
export type PenaltyNoticeOutcomeWords = typeof OUTCOME_WORDS;

/**
 * An evidence pack as GET /api/cases/:caseId/evidence-packs lists it (api/routes/evidence.ts), with
 * its manifest as evidence/pack.ts writes it (the store keeps it as JSON, typed `unknown` there).
 */
export type EvidencePackView = Omit<EvidencePackSummary, 'manifest'> & { manifest: Manifest };
/** What POST /api/evidence-packs/:id/approve answers: the approved pack, and whether its hash is on the timeline. */
export type ApprovedEvidencePack = EvidencePackView & { onTimeline: boolean };

/** A user as GET /api/users lists them (api/routes/users.ts: `adminView`). */
export type AdminUser = PublicUser & Pick<User, 'disabled' | 'hasPassword' | 'createdAt'>;

/** An import as GET /api/imports/:id answers (api/routes/imports.ts: `jobView`). */
export type ImportJobView = Omit<ImportJob, 'userId'>;

/** One step waiting for a decision, as GET /api/approvals lists it (api/routes/approvals.ts). */
export type ApprovalItem = Pick<CaseAwaitingApproval, 'caseId' | 'schoolId' | 'pupil' | 'stageName'> &
  Pick<PendingProposal, 'proposalId' | 'step' | 'approver' | 'proposedAt' | 'proposedOn'> & {
    remindedAt: string | null;
    escalatedAt: string | null;
    overdue: boolean;
    /** Why the case is at its stage (the reasons recorded when it entered it). */
    stageReasons: Reason[];
    canDecide: boolean;
    /** The plan the list showed: approving from the list skips a step changed since. */
    planHash: string | null;
    /** The pupil's latest figures. */
    figures: CaseView['latestFacts'];
  };

/** One case in full, as GET /api/cases/:caseId answers (api/routes/cases.ts). */
export interface CaseDetail {
  source: 'workflow' | 'projection';
  case: Omit<CaseView, 'pending' | 'tasks'> & {
    pending: (PendingProposal & { canDecide: boolean })[];
    /** Engine 2: the case's tasks, each saying whether this user may record its outcome. */
    tasks?: (CaseTask & { canComplete: boolean })[];
  };
  pupil: Pick<
    Pupil,
    'id' | 'upn' | 'givenName' | 'familyName' | 'yearGroup' | 'dateOfBirth' | 'flags' | 'contacts'
  >;
  school: { id: string; name: string };
  policy: {
    id: string;
    name: string;
    version: string;
    stages: { id: string; name: string; summary: string }[];
  } | null;
  series: WeekPoint[];
  thresholds: Threshold[];
  letters: (Pick<LetterRecord, 'id' | 'subject' | 'templateId' | 'sentOn' | 'amended'> & {
    recipients: { name: string; channel: string; byPost?: boolean; addressed?: boolean }[];
    /** How it went out, from the outbox: a held letter is not a sent one. */
    delivery: { sent: number; held: number; queued: number; failed: number; toPost: number };
  })[];
  meetings: Pick<
    MeetingRecord,
    'id' | 'kind' | 'title' | 'startsAt' | 'endsAt' | 'staffName' | 'location' | 'status' | 'stepId'
  >[];
  tasks: Pick<StaffTaskRecord, 'id' | 'kind' | 'title' | 'dueOn' | 'status'>[];
  messages: Pick<OutboxRecord, 'id' | 'channel' | 'subject' | 'status' | 'createdAt' | 'sentAt'>[];
  outcomeKinds: string[];
  permissions: { recordEvents: boolean };
  /** Display names of the people the tasks are for, and of who recorded their outcomes, by user id. */
  people: Record<string, string>;
}
