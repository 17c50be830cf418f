// Known errors and how they become HTTP answers. The rule: bad input is a 4xx with a reason a
// person can act on; only our own faults are a 500, and those never leak internals.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ServiceError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import { ZodError } from 'zod';
import { ImportValidationError } from '../store/errors';
import { RequestValidationError, zodIssues, type Issue } from './zod';

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (message: string, extra?: Record<string, unknown>) =>
  new HttpError(400, message, extra);
export const unauthorized = (message = 'Please sign in.') => new HttpError(401, message);
export const forbidden = (message: string) => new HttpError(403, message);
/** Out-of-scope ids get the same answer as unknown ones: a user never learns another school's ids exist. */
export const notFound = (what = 'Not found') => new HttpError(404, what);
export const conflict = (message: string, extra?: Record<string, unknown>) =>
  new HttpError(409, message, extra);
export const tooManyRequests = (message: string, retryAfterSeconds: number) =>
  new HttpError(429, message, { retryAfterSeconds });

export interface ErrorBody {
  error: string;
  statusCode: number;
  issues?: Issue[];
  [key: string]: unknown;
}

/** Why a workflow Update was refused (its validator's ApplicationFailure message), for a 409. */
export function updateFailureReason(err: WorkflowUpdateFailedError): string {
  let cause: unknown = err.cause;
  let reason = err.message;
  while (cause instanceof Error) {
    reason = cause.message || reason;
    cause = (cause as { cause?: unknown }).cause;
  }
  return reason;
}

/** The JavaScript errors a case's code throws by fault, never to refuse something on purpose. */
const FAULT_TYPES = new Set(['TypeError', 'ReferenceError', 'RangeError', 'SyntaxError']);

/**
 * Whether the case did not refuse the Update on purpose but failed while checking it (a bug in the
 * case's code). Nothing in the case changed, and its message is the case's internals: the person
 * is told to try again, not what broke.
 */
export function caseFaulted(err: WorkflowUpdateFailedError): boolean {
  let cause: unknown = err.cause;
  while (cause instanceof Error) {
    if (cause instanceof ApplicationFailure && cause.type && FAULT_TYPES.has(cause.type)) return true;
    cause = (cause as { cause?: unknown }).cause;
  }
  return false;
}

/** Whether the case refused the Update because it could not verify who signed it (temporal/actorClaims.ts). */
export function actorNotVerified(err: WorkflowUpdateFailedError): boolean {
  return err.cause instanceof ApplicationFailure && err.cause.type === 'ActorNotVerified';
}

export const ACTOR_KEYS_MISMATCH =
  'The case could not confirm who you are, so nothing was recorded: the workers do not hold the key this server signs with (ACTOR_VERIFY_KEYS). Please tell whoever runs the product.';

export const CASE_NOT_READY =
  'The case could not take this just now (it may be moving on to its next step); nothing was recorded. Please try again in a moment.';

export function toErrorBody(err: unknown): ErrorBody {
  if (err instanceof RequestValidationError) {
    return {
      error: `The request is not valid: ${err.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      statusCode: 400,
      issues: err.issues,
    };
  }
  if (err instanceof ZodError) {
    const issues = zodIssues('input', err);
    return {
      error: `The request is not valid: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      statusCode: 400,
      issues,
    };
  }
  if (err instanceof ImportValidationError) {
    return { statusCode: 400, ...err.toJSON() };
  }
  if (err instanceof HttpError) {
    return { error: err.message, statusCode: err.statusCode, ...err.extra };
  }
  if (err instanceof WorkflowUpdateFailedError && actorNotVerified(err)) {
    // The API signed this decision, so a worker that cannot verify it holds other keys: a
    // configuration fault for whoever runs the product, never the person's doing.
    return { error: ACTOR_KEYS_MISMATCH, statusCode: 503 };
  }
  if (err instanceof WorkflowUpdateFailedError && caseFaulted(err)) {
    return { error: CASE_NOT_READY, statusCode: 503 };
  }
  if (err instanceof WorkflowUpdateFailedError) {
    // The case refused the decision (stale proposal, repeated decision, wrong input): a conflict
    // with the case's current state, not a server fault.
    return { error: updateFailureReason(err), statusCode: 409 };
  }
  if (err instanceof WorkflowNotFoundError) {
    // A closed case never gets here (services/cases.ts updateCase answers 409 for it): this is a
    // case whose workflow stopped without closing it.
    return { error: 'That case is not running.', statusCode: 404 };
  }
  if (err instanceof ServiceError) {
    // The workflow engine did not answer (down, restarting, unreachable): not the caller's fault,
    // and nothing was changed.
    return {
      error:
        'The workflow engine is not answering just now; nothing was changed. Please try again in a minute.',
      statusCode: 503,
    };
  }
  const fe = err as Partial<FastifyError> & { status?: number };
  const status = fe.statusCode ?? fe.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { error: readableFastifyMessage(fe), statusCode: status };
  }
  return {
    error: 'Something went wrong on our side. It has been logged; please try again.',
    statusCode: 500,
  };
}

function readableFastifyMessage(fe: Partial<FastifyError>): string {
  switch (fe.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'Send a JSON body (Content-Type: application/json).';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'The JSON body is empty.';
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'The request body is too large.';
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return `The body is not valid JSON: ${fe.message ?? ''}`.trim();
    default:
      return fe.message || 'Bad request.';
  }
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: unknown, req: FastifyRequest, reply: FastifyReply) => {
    const body = toErrorBody(err);
    // A body over the route's limit: say the limit, so the school knows what to send instead.
    const limit = req.routeOptions?.bodyLimit;
    if ((err as Partial<FastifyError>).code === 'FST_ERR_CTP_BODY_TOO_LARGE' && limit)
      body.error = `The request body is too large: at most ${Math.floor(limit / (1024 * 1024))} MB here.`;
    if (body.statusCode >= 500) req.log.error({ err }, 'request failed');
    if (body.statusCode === 429 && typeof body.retryAfterSeconds === 'number') {
      void reply.header('retry-after', String(body.retryAfterSeconds));
    }
    return reply.code(body.statusCode).send(body);
  });
}
