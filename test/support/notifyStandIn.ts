// A stand-in for the GOV.UK Notify REST API v2 on loopback, so tests can point the official
// notifications-node-client at it (`new NotifyClient(standIn.baseUrl, standIn.apiKey)`) and send email,
// text messages and precompiled letters without the network. It follows the shapes in
// Notify's public documentation (docs/integrations.md lists what it relies on). Where a detail is a guess, the comment at the spot says so: those
// are the places to change when the live API turns out to differ.
//
// Where a quick reading of the docs and Notify's own source (alphagov/notifications-api) disagree, the
// stand-in does what Notify does, so a client tested here is not surprised in production; each such
// place says so.
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type NotifyStatus = string;
export type NotificationType = 'email' | 'sms' | 'letter';
export type Postage = 'first' | 'second' | 'economy';

export interface StandInNotification {
  id: string;
  type: NotificationType;
  reference: string | null;
  status: NotifyStatus;
  /** null for a precompiled letter. */
  templateId: string | null;
  emailAddress: string | null;
  phoneNumber: string | null;
  personalisation: Record<string, string>;
  /** Precompiled letters: the decoded PDF and the postage asked for. */
  pdf: Buffer | null;
  postage: Postage | null;
  createdAt: Date;
  sentAt: Date | null;
  completedAt: Date | null;
}

export interface RequestLogEntry {
  method: string;
  /** The path with its query string. */
  path: string;
  /** The status written; 0 when dropResponseNext destroyed the connection instead. */
  status: number;
  /** The parsed JSON body (null for none), a `content` field replaced by `<N bytes>`. */
  body: unknown;
}

export interface CallbackSettings {
  deliveryStatusUrl?: string;
  returnedLetterUrl?: string;
  bearerToken: string;
}

export interface NotifyStandIn {
  /** 'http://127.0.0.1:PORT' (no trailing slash; the client adds /v2/...). */
  baseUrl: string;
  serviceId: string;
  /** A live-looking key the client accepts: `attendance_test-<serviceId>-<secret uuid>`. */
  apiKey: string;
  /** An email template (subject '((subject))', body '((body))'). */
  emailTemplateId: string;
  /** A text message template (body '((body))'). */
  smsTemplateId: string;
  /** In the order created. */
  notifications: StandInNotification[];
  letters(): StandInNotification[];
  /**
   * Moves a notification to a status (stamping sent_at/completed_at as Notify would) and, for email or
   * sms when a delivery-status callback is set and the status is one Notify sends receipts for, POSTs the
   * delivery receipt. Rejects when the receiver answers non-2xx.
   */
  setStatus(id: string, status: NotifyStatus): Promise<void>;
  /** A letter came back: its status becomes 'returned-letter' and the returned-letter callback is POSTed. */
  returnLetter(id: string): Promise<void>;
  /** Where Notify calls back, with the bearer token it sends (set per service in Notify's UI). */
  setCallbacks(c: CallbackSettings): void;
  /** The next `count` requests whose path contains `pathPart` answer `status` instead. */
  failNext(pathPart: string, count: number, status: 429 | 500 | 503): void;
  /**
   * The next `count` requests whose path contains `pathPart` are processed (a send is stored) but the
   * connection is destroyed before the answer is written: the client sees a network error.
   */
  dropResponseNext(pathPart: string, count: number): void;
  requests: RequestLogEntry[];
  close(): Promise<void>;
}

interface StandInTemplate {
  id: string;
  type: 'email' | 'sms';
  subject: string | null;
  body: string;
}

interface ErrorItem {
  error: string;
  message: string;
}

/** Thrown by a handler; becomes Notify's error body `{errors:[{error,message}], status_code}`. */
class NotifyError extends Error {
  constructor(
    readonly statusCode: number,
    readonly errors: ErrorItem[],
  ) {
    super(errors.map((e) => e.message).join('; '));
  }
}

function notifyError(statusCode: number, error: string, message: string): NotifyError {
  return new NotifyError(statusCode, [{ error, message }]);
}

/** Schema failures come back together, one entry each, as Notify's jsonschema validation reports them. */
function validationErrors(messages: string[]): NotifyError {
  return new NotifyError(
    400,
    messages.map((message) => ({ error: 'ValidationError', message })),
  );
}

type Reply = { status: number; json: unknown } | { status: number; pdf: Buffer };
type Body = Record<string, unknown>;

interface FaultRule {
  pathPart: string;
  remaining: number;
}

interface State {
  baseUrl: string;
  serviceId: string;
  secret: string;
  templates: Map<string, StandInTemplate>;
  notifications: StandInNotification[];
  callbacks: CallbackSettings | null;
  failures: (FaultRule & { status: 429 | 500 | 503 })[];
  drops: FaultRule[];
  requests: RequestLogEntry[];
}

const PAGE_SIZE = 250;
const CLOCK_SKEW_SECONDS = 30;
// The letter spec's limit; the node client only refuses files over 5 MB, so the server must say it.
const MAX_LETTER_BYTES = 2 * 1024 * 1024;
// JSON bodies carry base64 letters (a 5 MB file is ~6.7 MB encoded); anything far beyond is a test bug.
const MAX_BODY_BYTES = 16 * 1024 * 1024;
const FROM_EMAIL = 'attendance.school@notifications.service.gov.uk';
const FROM_NUMBER = 'GOVUK';
// Guess: the id Notify reports for a precompiled letter's hidden template is unconfirmed.
const PRECOMPILED_TEMPLATE_ID = '00000000-0000-0000-0000-000000000000';
const POSTAGES: readonly Postage[] = ['first', 'second', 'economy'];
const PLACEHOLDER = /\(\(([^()]+)\)\)/g;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// The values GET /v2/notifications accepts for `status` (tech-docs error table for that endpoint).
const STATUS_FILTERS = [
  'cancelled',
  'created',
  'sending',
  'sent',
  'delivered',
  'pending',
  'failed',
  'technical-failure',
  'temporary-failure',
  'permanent-failure',
  'pending-virus-check',
  'validation-failed',
  'virus-scan-failed',
  'returned-letter',
  'accepted',
  'received',
] as const;
// Notify's 'failed' filter stands for every failure status (NOTIFICATION_STATUS_TYPES_FAILED).
const FAILED_STATUSES = [
  'technical-failure',
  'temporary-failure',
  'permanent-failure',
  'validation-failed',
  'virus-scan-failed',
  'returned-letter',
];
const TEMPLATE_TYPES: readonly NotificationType[] = ['sms', 'email', 'letter'];

// A message has been handed on (sent_at) once it reaches any of these.
const HANDED_ON = new Set([
  'sending',
  'pending',
  'sent',
  'delivered',
  'permanent-failure',
  'temporary-failure',
  'accepted',
  'received',
  'returned-letter',
]);
// completed_at is the time a message reached one of these (Notify reports updated_at for them).
const COMPLETED = new Set([
  'sent',
  'delivered',
  'permanent-failure',
  'temporary-failure',
  'technical-failure',
  'received',
  'cancelled',
  'validation-failed',
  'virus-scan-failed',
  'returned-letter',
]);
// Delivery receipts carry only these statuses (tech-docs callbacks page); interim moves send nothing.
const RECEIPT_STATUSES = new Set([
  'delivered',
  'permanent-failure',
  'temporary-failure',
  'technical-failure',
]);

export async function startNotifyStandIn(): Promise<NotifyStandIn> {
  const serviceId = randomUUID();
  const secret = randomUUID();
  const emailTemplate: StandInTemplate = {
    id: randomUUID(),
    type: 'email',
    subject: '((subject))',
    body: '((body))',
  };
  const smsTemplate: StandInTemplate = { id: randomUUID(), type: 'sms', subject: null, body: '((body))' };
  const state: State = {
    baseUrl: '',
    serviceId,
    secret,
    templates: new Map([
      [emailTemplate.id, emailTemplate],
      [smsTemplate.id, smsTemplate],
    ]),
    notifications: [],
    callbacks: null,
    failures: [],
    drops: [],
    requests: [],
  };

  const server = createServer((req, res) => void serve(state, req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    baseUrl: state.baseUrl,
    serviceId,
    apiKey: `attendance_test-${serviceId}-${secret}`,
    emailTemplateId: emailTemplate.id,
    smsTemplateId: smsTemplate.id,
    notifications: state.notifications,
    letters: () => state.notifications.filter((n) => n.type === 'letter'),
    setStatus: (id, status) => setStatus(state, id, status),
    returnLetter: (id) => returnLetter(state, id),
    setCallbacks: (c) => void (state.callbacks = { ...c }),
    failNext: (pathPart, count, status) => void state.failures.push({ pathPart, remaining: count, status }),
    dropResponseNext: (pathPart, count) => void state.drops.push({ pathPart, remaining: count }),
    requests: state.requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Keep-alive sockets from axios would otherwise hold close() open until they time out.
        server.closeAllConnections();
      }),
  };
}

// ---------------------------------------------------------------------------------------------------
// Request handling

async function serve(state: State, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = req.method ?? 'GET';
  const path = req.url ?? '/';
  let loggedBody: unknown = null;
  let reply: Reply;
  try {
    const body = method === 'POST' ? await readJsonBody(req) : null;
    loggedBody = body === null ? null : summariseBody(body);
    reply = answer(state, method, path, req.headers.authorization, body);
  } catch (err) {
    reply = errorReply(err);
  }

  if (takeRule(state.drops, path)) {
    // The work is done (a send is stored) but the client never hears: a send whose answer was lost.
    state.requests.push({ method, path, status: 0, body: loggedBody });
    req.socket.destroy();
    return;
  }
  state.requests.push({ method, path, status: reply.status, body: loggedBody });
  writeReply(res, reply);
}

function answer(
  state: State,
  method: string,
  path: string,
  authorization: string | undefined,
  body: Body | null,
): Reply {
  const url = new URL(path, state.baseUrl);
  const route = matchRoute(method, url.pathname);
  const failure = takeRule(state.failures, path);
  if (failure) throw injectedFailure(failure.status);
  authenticate(state, authorization);
  switch (route.kind) {
    case 'send':
      return { status: 201, json: send(state, route.type, body ?? {}) };
    case 'get':
      return { status: 200, json: serialise(state, findNotification(state, route.id)) };
    case 'list':
      return { status: 200, json: list(state, url.searchParams) };
    case 'pdf':
      return { status: 200, pdf: letterPdf(findNotification(state, route.id)) };
  }
}

type Route =
  | { kind: 'send'; type: NotificationType }
  | { kind: 'get'; id: string }
  | { kind: 'list' }
  | { kind: 'pdf'; id: string };

/** Notify matches the route before it checks the token: an unknown path is a 404 whatever the key. */
function matchRoute(method: string, pathname: string): Route {
  const parts = pathname.split('/').filter(Boolean);
  if (parts[0] !== 'v2' || parts[1] !== 'notifications' || parts.length > 4) throw routeNotFound();
  const [, , segment, tail] = parts;
  if (segment === undefined) {
    if (method === 'GET') return { kind: 'list' };
  } else if (tail === undefined) {
    const type = TEMPLATE_TYPES.find((t) => t === segment);
    if (method === 'POST' && type) return { kind: 'send', type };
    if (method === 'GET') return { kind: 'get', id: segment };
  } else if (tail === 'pdf') {
    if (method === 'GET') return { kind: 'pdf', id: segment };
  } else {
    throw routeNotFound();
  }
  // Guess: Flask's 405 for a known path with the wrong method, in the v2 error shape.
  throw notifyError(405, 'MethodNotAllowed', 'The method is not allowed for the requested URL.');
}

function routeNotFound(): NotifyError {
  // Guess: the wording of Notify's 404 for a path it has no route for.
  return notifyError(404, 'NotFound', 'The requested URL was not found on the server.');
}

function injectedFailure(status: 429 | 500 | 503): NotifyError {
  if (status === 429) {
    return notifyError(
      429,
      'RateLimitError',
      'Exceeded rate limit for key type live of 3000 requests per 60 seconds',
    );
  }
  if (status === 500) return notifyError(500, 'Exception', 'Internal server error');
  // Guess: a 503 comes from the load balancer in front of Notify; its body shape is undocumented.
  return notifyError(503, 'Exception', 'Service unavailable');
}

/** Finds the first rule matching the path with requests left, and uses one of them up. */
function takeRule<R extends FaultRule>(rules: R[], path: string): R | undefined {
  const rule = rules.find((r) => r.remaining > 0 && path.includes(r.pathPart));
  if (rule) rule.remaining -= 1;
  return rule;
}

function readJsonBody(req: IncomingMessage): Promise<Body> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('error', reject);
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) {
        reject(notifyError(413, 'BadRequestError', 'Request entity too large'));
        return;
      }
      try {
        const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        if (!isObject(parsed)) throw new Error('not an object');
        resolve(parsed);
      } catch {
        // Guess: the wording of Notify's answer to a body that is not a JSON object.
        reject(notifyError(400, 'BadRequestError', 'Invalid JSON supplied in POST data'));
      }
    });
  });
}

/** A letter's base64 PDF would swamp the log; its size is what a test wants to see. */
function summariseBody(body: Body): Body {
  if (typeof body.content !== 'string') return body;
  return { ...body, content: `<${Buffer.byteLength(body.content, 'base64')} bytes>` };
}

function errorReply(err: unknown): Reply {
  const error = err instanceof NotifyError ? err : notifyError(500, 'Exception', 'Internal server error');
  return { status: error.statusCode, json: { errors: error.errors, status_code: error.statusCode } };
}

function writeReply(res: ServerResponse, reply: Reply): void {
  if ('pdf' in reply) {
    res.writeHead(reply.status, { 'Content-Type': 'application/pdf', 'Content-Length': reply.pdf.length });
    res.end(reply.pdf);
    return;
  }
  const text = JSON.stringify(reply.json);
  res.writeHead(reply.status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

// ---------------------------------------------------------------------------------------------------
// Authentication: an HS256 JWT, iss = service id, iat within 30 s, signed with the key's secret uuid.

function authenticate(state: State, authorization: string | undefined): void {
  if (!authorization) {
    throw authError(401, 'Unauthorized: authentication token must be provided');
  }
  // Notify title-cases the first seven characters, so 'bearer ' is accepted as well.
  if (authorization.slice(0, 7).toLowerCase() !== 'bearer ') {
    throw authError(401, 'Unauthorized: authentication bearer scheme must be used');
  }
  const token = decodeJwt(authorization.slice(7).trim());
  if (token.header.alg !== 'HS256') throw authError(403, 'Invalid token: algorithm used is not HS256');
  if (token.payload.iss === undefined) throw authError(403, 'Invalid token: iss field not provided');
  // A wrong signature and an unknown service read alike: Notify found no key that signs this token.
  if (token.payload.iss !== state.serviceId || !signedWith(token, state.secret)) {
    throw authError(403, 'Invalid token: API key not found');
  }
  const iat = token.payload.iat;
  if (typeof iat !== 'number') throw authError(403, 'Invalid token: API key not found');
  if (Math.abs(Date.now() / 1000 - iat) > CLOCK_SKEW_SECONDS) {
    throw authError(403, 'Error: Your system clock must be accurate to within 30 seconds');
  }
}

function authError(status: 401 | 403, message: string): NotifyError {
  return notifyError(status, 'AuthError', message);
}

interface DecodedJwt {
  header: Body;
  payload: Body;
  signingInput: string;
  signature: Buffer;
}

function decodeJwt(token: string): DecodedJwt {
  const parts = token.split('.');
  const [header, payload, signature] = parts;
  if (parts.length !== 3 || header === undefined || payload === undefined || signature === undefined) {
    throw authError(403, 'Invalid token: API key not found');
  }
  try {
    const headerJson: unknown = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
    const payloadJson: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (!isObject(headerJson) || !isObject(payloadJson)) throw new Error('not objects');
    return {
      header: headerJson,
      payload: payloadJson,
      signingInput: `${header}.${payload}`,
      signature: Buffer.from(signature, 'base64url'),
    };
  } catch {
    throw authError(403, 'Invalid token: API key not found');
  }
}

function signedWith(token: DecodedJwt, secret: string): boolean {
  const expected = createHmac('sha256', secret).update(token.signingInput).digest();
  return expected.length === token.signature.length && timingSafeEqual(expected, token.signature);
}

// ---------------------------------------------------------------------------------------------------
// Sending

function send(state: State, type: NotificationType, body: Body): unknown {
  if (type === 'email') return sendEmail(state, body);
  if (type === 'sms') return sendSms(state, body);
  // The client sends a precompiled letter as {reference, content}; a letter from a template has neither.
  if ('content' in body) return sendPrecompiledLetter(state, body);
  return sendTemplatedLetter(state, body);
}

function sendEmail(state: State, body: Body): unknown {
  const allowed = [
    'template_id',
    'email_address',
    'personalisation',
    'reference',
    'email_reply_to_id',
    // The client sends these two as well; Notify's schema accepts them.
    'one_click_unsubscribe_url',
    'sanitise_content_for',
  ];
  const problems = [
    ...schemaProblems(body, allowed, ['template_id', 'email_address']),
    ...templatedProblems(body),
  ];
  if (typeof body.email_address === 'string' && !isEmailAddress(body.email_address)) {
    problems.push('email_address Not a valid email address');
  }
  if (body.email_reply_to_id !== undefined && !isUuid(body.email_reply_to_id)) {
    problems.push('email_reply_to_id is not a valid UUID');
  }
  const unsubscribe = body.one_click_unsubscribe_url;
  if (unsubscribe !== undefined && !(typeof unsubscribe === 'string' && unsubscribe.startsWith('https://'))) {
    problems.push('one_click_unsubscribe_url is not a valid https url');
  }
  if (problems.length) throw validationErrors(problems);

  const { template, personalisation, rendered } = renderTemplate(state, body, 'email');
  const notification = store(state, {
    type: 'email',
    reference: optionalString(body.reference),
    status: 'created',
    templateId: template.id,
    emailAddress: body.email_address as string,
    personalisation,
  });
  return {
    id: notification.id,
    reference: notification.reference,
    content: {
      subject: rendered.subject,
      body: rendered.body,
      from_email: FROM_EMAIL,
      one_click_unsubscribe_url: optionalString(unsubscribe),
    },
    uri: notificationUri(state, notification.id),
    template: postTemplateRef(state, template.id),
    scheduled_for: null,
    // The client repo's POST_notification_email_response schema requires it; {} when nothing was sanitised.
    sanitised_content: {},
  };
}

function sendSms(state: State, body: Body): unknown {
  const allowed = ['template_id', 'phone_number', 'personalisation', 'reference', 'sms_sender_id'];
  const problems = [
    ...schemaProblems(body, allowed, ['template_id', 'phone_number']),
    ...templatedProblems(body),
  ];
  if (typeof body.phone_number === 'string') {
    const problem = ukMobileProblem(body.phone_number);
    if (problem) problems.push(`phone_number ${problem}`);
  }
  if (body.sms_sender_id !== undefined && !isUuid(body.sms_sender_id)) {
    problems.push('sms_sender_id is not a valid UUID');
  }
  if (problems.length) throw validationErrors(problems);

  const { template, personalisation, rendered } = renderTemplate(state, body, 'sms');
  const notification = store(state, {
    type: 'sms',
    reference: optionalString(body.reference),
    status: 'created',
    templateId: template.id,
    // Notify keeps the number as given and reports it so; it normalises only a copy for sending.
    phoneNumber: body.phone_number as string,
    personalisation,
  });
  return {
    id: notification.id,
    reference: notification.reference,
    content: { body: rendered.body, from_number: FROM_NUMBER },
    uri: notificationUri(state, notification.id),
    template: postTemplateRef(state, template.id),
    scheduled_for: null,
  };
}

function sendPrecompiledLetter(state: State, body: Body): unknown {
  const problems = schemaProblems(body, ['reference', 'content', 'postage'], ['reference', 'content']);
  if (body.reference !== undefined && typeof body.reference !== 'string') {
    problems.push(`reference ${show(body.reference)} is not of type string`);
  }
  if (body.content !== undefined && typeof body.content !== 'string') {
    problems.push(`content ${show(body.content)} is not of type string`);
  }
  const postage = body.postage ?? 'second';
  if (!POSTAGES.some((p) => p === postage)) {
    problems.push('postage invalid. It must be either first, second or economy.');
  }
  if (problems.length) throw validationErrors(problems);

  const pdf = decodeLetter(body.content as string);
  const notification = store(state, {
    type: 'letter',
    reference: body.reference as string,
    // Notify scans every uploaded PDF for viruses before it will print it.
    status: 'pending-virus-check',
    templateId: null,
    pdf,
    postage: postage as Postage,
  });
  return { id: notification.id, reference: notification.reference, postage: notification.postage };
}

function decodeLetter(content: string): Buffer {
  const compact = content.replace(/\s/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1) {
    // Guess: the wording of Notify's answer to content that is not base64.
    throw notifyError(
      400,
      'ValidationError',
      'Cannot decode letter content (file) - please check the data is base 64 encoded',
    );
  }
  const pdf = Buffer.from(compact, 'base64');
  if (pdf.length > MAX_LETTER_BYTES) {
    // Guess: the wording is unconfirmed; the 2 MB limit is the letter specification's.
    throw notifyError(400, 'ValidationError', 'Letter content is too large');
  }
  if (!pdf.subarray(0, 5).equals(Buffer.from('%PDF-'))) {
    throw notifyError(400, 'BadRequestError', 'Letter content is not a valid PDF');
  }
  return pdf;
}

/** The stand-in has no letter templates, so a templated letter gets as far as the template lookup. */
function sendTemplatedLetter(state: State, body: Body): never {
  const allowed = ['template_id', 'personalisation', 'reference'];
  const problems = [
    ...schemaProblems(body, allowed, ['template_id', 'personalisation']),
    ...templatedProblems(body),
  ];
  if (problems.length) throw validationErrors(problems);
  renderTemplate(state, body, 'letter');
  throw templateNotFound();
}

/** Required and unexpected properties, worded as Notify words its jsonschema errors. */
function schemaProblems(body: Body, allowed: string[], required: string[]): string[] {
  const problems = required
    .filter((key) => body[key] === undefined)
    .map((key) => `${key} is a required property`);
  const unexpected = Object.keys(body).filter((key) => !allowed.includes(key));
  if (unexpected.length === 1) {
    problems.push(`Additional properties are not allowed (${unexpected[0]} was unexpected)`);
  } else if (unexpected.length > 1) {
    problems.push(`Additional properties are not allowed (${unexpected.join(', ')} were unexpected)`);
  }
  return problems;
}

/** Type checks shared by the template-based sends. */
function templatedProblems(body: Body): string[] {
  const problems: string[] = [];
  if (body.template_id !== undefined && !isUuid(body.template_id)) {
    problems.push('template_id is not a valid UUID');
  }
  if (body.personalisation !== undefined && !isObject(body.personalisation)) {
    problems.push(`personalisation ${show(body.personalisation)} is not of type object`);
  }
  if (body.reference !== undefined && typeof body.reference !== 'string') {
    problems.push(`reference ${show(body.reference)} is not of type string`);
  }
  for (const key of ['email_address', 'phone_number']) {
    if (body[key] !== undefined && typeof body[key] !== 'string') {
      problems.push(`${key} ${show(body[key])} is not of type string`);
    }
  }
  return problems;
}

interface Rendered {
  template: StandInTemplate;
  personalisation: Record<string, string>;
  rendered: { subject: string | null; body: string };
}

/**
 * Template checks come after the schema, as in Notify (app/notifications/validators.py): they are
 * BadRequestErrors there, not ValidationErrors, though the docs leave the type open.
 */
function renderTemplate(state: State, body: Body, type: NotificationType): Rendered {
  const template = state.templates.get(body.template_id as string);
  if (!template) throw templateNotFound();
  if (template.type !== type) {
    const message = `${template.type} template is not suitable for ${type} notification`;
    throw notifyError(400, 'BadRequestError', message);
  }
  const personalisation = stringValues(isObject(body.personalisation) ? body.personalisation : {});
  const missing = [...placeholders(template.subject ?? ''), ...placeholders(template.body)].filter(
    (name, i, all) => all.indexOf(name) === i && lookup(personalisation, name) === undefined,
  );
  if (missing.length) {
    throw notifyError(400, 'BadRequestError', `Missing personalisation: ${missing.join(', ')}`);
  }
  return { template, personalisation, rendered: fill(template, personalisation) };
}

function templateNotFound(): NotifyError {
  return notifyError(400, 'BadRequestError', 'Template not found');
}

/** The template's subject and body with each ((placeholder)) replaced by its personalisation value. */
function fill(
  template: StandInTemplate,
  personalisation: Record<string, string>,
): { subject: string | null; body: string } {
  const replace = (text: string) =>
    text.replace(PLACEHOLDER, (_match, name: string) => lookup(personalisation, name) ?? '');
  return {
    subject: template.subject === null ? null : replace(template.subject),
    body: replace(template.body),
  };
}

function placeholders(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '');
}

/** Notify matches placeholders to personalisation keys ignoring case and spaces. */
function lookup(personalisation: Record<string, string>, name: string): string | undefined {
  const key = normaliseKey(name);
  const found = Object.keys(personalisation).find((k) => normaliseKey(k) === key);
  return found === undefined ? undefined : personalisation[found];
}

function normaliseKey(key: string): string {
  return key.replace(/\s/g, '').toLowerCase();
}

/** Notify accepts numbers and other JSON values as personalisation and prints them as text. */
function stringValues(values: Body): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) {
    if (value === null || value === undefined) continue;
    out[key] =
      typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
  return out;
}

function store(
  state: State,
  fields: Pick<StandInNotification, 'type' | 'reference' | 'status' | 'templateId'> &
    Partial<StandInNotification>,
): StandInNotification {
  const notification: StandInNotification = {
    id: randomUUID(),
    emailAddress: null,
    phoneNumber: null,
    personalisation: {},
    pdf: null,
    postage: null,
    createdAt: new Date(),
    sentAt: null,
    completedAt: null,
    ...fields,
  };
  // Notify does not enforce unique references (they may name a batch): duplicates are stored too.
  state.notifications.push(notification);
  return notification;
}

function isEmailAddress(value: string): boolean {
  // Close to notifications-utils: one @, a local part without spaces, a dotted domain without empty labels.
  const match = /^([^\s@]+)@([^\s@]+)$/.exec(value.trim());
  const domain = match?.[2];
  if (!domain || !domain.includes('.')) return false;
  return domain.split('.').every((label) => /^[a-z0-9-]+$/i.test(label) && !label.startsWith('-'));
}

/** The UK-mobile rule: 07…, 447… or +447…, ten digits after the 0, spaces and brackets allowed. */
function ukMobileProblem(raw: string): string | null {
  const compact = raw.replace(/[\s()-]/g, '');
  if (!/^\+?\d+$/.test(compact)) return 'Must not contain letters or symbols';
  let digits = compact.replace(/^\+/, '');
  if (digits.startsWith('44')) digits = digits.slice(2);
  digits = digits.replace(/^0/, '');
  if (!digits.startsWith('7')) return 'Not a UK mobile number';
  if (digits.length > 10) return 'Too many digits';
  if (digits.length < 10) return 'Not enough digits';
  return null;
}

// ---------------------------------------------------------------------------------------------------
// Reading

function findNotification(state: State, id: string): StandInNotification {
  if (!UUID_PATTERN.test(id)) throw validationErrors(['notification_id is not a valid UUID']);
  const found = state.notifications.find((n) => n.id === id);
  if (!found) throw notifyError(404, 'NoResultFound', 'No result found');
  return found;
}

/** The GET_notification shape. Notify reports GET timestamps as 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC). */
function serialise(state: State, n: StandInNotification): unknown {
  const template = n.templateId === null ? null : state.templates.get(n.templateId);
  const rendered = template ? fill(template, n.personalisation) : null;
  const templateId = n.templateId ?? PRECOMPILED_TEMPLATE_ID;
  return {
    id: n.id,
    reference: n.reference,
    email_address: n.emailAddress,
    phone_number: n.phoneNumber,
    // A stand-in does not read the address off the PDF, so a letter's address lines stay null.
    line_1: null,
    line_2: null,
    line_3: null,
    line_4: null,
    line_5: null,
    line_6: null,
    postcode: null,
    postage: n.postage,
    type: n.type,
    status: n.status,
    // Guess: the uri form for a GET (the docs' example differs from the POST answer's).
    template: { id: templateId, version: 1, uri: `${state.baseUrl}/v2/template/${templateId}/version/1` },
    body: rendered?.body ?? '',
    // Guess: Notify calls a precompiled letter's hidden template 'Pre-compiled PDF' and gives it as subject.
    subject: rendered ? rendered.subject : n.type === 'letter' ? 'Pre-compiled PDF' : null,
    created_at: getTimestamp(n.createdAt),
    created_by_name: null,
    sent_at: n.sentAt && getTimestamp(n.sentAt),
    completed_at: n.completedAt && getTimestamp(n.completedAt),
    scheduled_for: null,
    is_cost_data_ready: false,
    cost_in_pounds: null,
    cost_details: {},
  };
}

function list(state: State, query: URLSearchParams): unknown {
  const filters = listFilters(query);
  const statuses = new Set(filters.status.flatMap((s) => (s === 'failed' ? FAILED_STATUSES : [s])));
  let candidates = state.notifications;
  if (filters.olderThan !== undefined) {
    // An older_than Notify no longer holds (or never did) selects nothing, as Notify's SQL does.
    const index = candidates.findIndex((n) => n.id === filters.olderThan);
    candidates = index < 0 ? [] : candidates.slice(0, index);
  }
  const matching = candidates
    .filter((n) => filters.templateType.length === 0 || filters.templateType.includes(n.type))
    .filter((n) => statuses.size === 0 || statuses.has(n.status))
    .filter((n) => filters.reference === undefined || n.reference === filters.reference)
    .reverse();
  const page = matching.slice(0, PAGE_SIZE);
  const last = page[page.length - 1];
  const links: { current: string; next?: string } = { current: listUrl(state, filters) };
  // Notify (get_notifications.py) gives `next` for every non-empty page, not only when more remain: a
  // client pages until it gets an empty page or no `next`.
  if (last) links.next = listUrl(state, { ...filters, olderThan: last.id });
  return { notifications: page.map((n) => serialise(state, n)), links };
}

interface ListFilters {
  templateType: string[];
  status: string[];
  reference?: string;
  olderThan?: string;
}

function listFilters(query: URLSearchParams): ListFilters {
  const problems: string[] = [];
  const allowed = ['template_type', 'status', 'reference', 'older_than', 'include_jobs'];
  const unexpected = [...new Set(query.keys())].filter((key) => !allowed.includes(key));
  if (unexpected.length) {
    const verb = unexpected.length === 1 ? 'was' : 'were';
    problems.push(`Additional properties are not allowed (${unexpected.join(', ')} ${verb} unexpected)`);
  }
  const templateType = query.getAll('template_type');
  for (const t of templateType.filter((v) => !TEMPLATE_TYPES.some((type) => type === v))) {
    problems.push(`template_type ${t} is not one of [${TEMPLATE_TYPES.join(', ')}]`);
  }
  const status = query.getAll('status');
  for (const s of status.filter((v) => !STATUS_FILTERS.some((f) => f === v))) {
    problems.push(`status ${s} is not one of [${STATUS_FILTERS.join(', ')}]`);
  }
  // Notify keeps only the first older_than and reference when one is repeated.
  const olderThan = query.get('older_than') ?? undefined;
  if (olderThan !== undefined && !UUID_PATTERN.test(olderThan))
    problems.push('older_than is not a valid UUID');
  if (problems.length) throw validationErrors(problems);
  return { templateType, status, reference: query.get('reference') ?? undefined, olderThan };
}

/** Absolute, keeping every filter, as Flask's url_for(_external=True) builds it. */
function listUrl(state: State, filters: ListFilters): string {
  const query = new URLSearchParams();
  for (const t of filters.templateType) query.append('template_type', t);
  for (const s of filters.status) query.append('status', s);
  if (filters.reference !== undefined) query.append('reference', filters.reference);
  if (filters.olderThan !== undefined) query.append('older_than', filters.olderThan);
  const text = query.toString();
  return `${state.baseUrl}/v2/notifications${text ? `?${text}` : ''}`;
}

/** The error table for GET .../pdf (tech-docs): what Notify says before a letter's PDF can be read. */
function letterPdf(n: StandInNotification): Buffer {
  if (n.type !== 'letter' || !n.pdf)
    throw notifyError(400, 'BadRequestError', 'Notification is not a letter');
  // Notify holds the PDF back until the virus scan passes, so a test moves the letter on first.
  if (n.status === 'pending-virus-check') {
    throw notifyError(400, 'PDFNotReadyError', 'PDF not available yet, try again later');
  }
  if (n.status === 'virus-scan-failed')
    throw notifyError(400, 'BadRequestError', 'File did not pass the virus scan');
  if (n.status === 'technical-failure') {
    throw notifyError(400, 'BadRequestError', 'PDF not available for letters in technical-failure');
  }
  return n.pdf;
}

// ---------------------------------------------------------------------------------------------------
// Moving notifications on, and calling back

async function setStatus(state: State, id: string, status: NotifyStatus): Promise<void> {
  const n = knownNotification(state, id);
  const now = new Date();
  n.status = status;
  if (HANDED_ON.has(status) && n.sentAt === null) n.sentAt = now;
  n.completedAt = COMPLETED.has(status) ? now : null;

  const url = state.callbacks?.deliveryStatusUrl;
  if (!url || n.type === 'letter' || !RECEIPT_STATUSES.has(status)) return;
  await postCallback(url, state.callbacks?.bearerToken ?? '', {
    id: n.id,
    reference: n.reference,
    to: n.emailAddress ?? n.phoneNumber,
    status: n.status,
    created_at: callbackTimestamp(n.createdAt),
    completed_at: n.completedAt && callbackTimestamp(n.completedAt),
    sent_at: n.sentAt && callbackTimestamp(n.sentAt),
    notification_type: n.type,
    template_id: n.templateId,
    template_version: 1,
  });
}

async function returnLetter(state: State, id: string): Promise<void> {
  const n = knownNotification(state, id);
  if (n.type !== 'letter') throw new Error(`notification ${id} is ${n.type}, not a letter`);
  // Notify marks a returned letter 'returned-letter' (a status the list filter accepts) when it records it.
  n.sentAt ??= n.createdAt;
  n.status = 'returned-letter';
  n.completedAt = new Date();

  const url = state.callbacks?.returnedLetterUrl;
  if (!url) return;
  await postCallback(url, state.callbacks?.bearerToken ?? '', {
    notification_id: n.id,
    reference: n.reference,
    date_sent: n.sentAt.toISOString().slice(0, 10),
    sent_by: null,
    template_name: null,
    template_id: null,
    template_version: null,
    spreadsheet_file_name: null,
    spreadsheet_row_number: null,
    upload_letter_file_name: null,
  });
}

function knownNotification(state: State, id: string): StandInNotification {
  const n = state.notifications.find((x) => x.id === id);
  if (!n) throw new Error(`the Notify stand-in holds no notification ${id}`);
  return n;
}

/** Notify retries a failed callback later; the stand-in rejects instead, so the test sees the refusal. */
async function postCallback(url: string, bearerToken: string, payload: Body): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${bearerToken}` },
    body: JSON.stringify(payload),
  });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`Notify stand-in: callback to ${url} answered ${res.status}`);
}

// ---------------------------------------------------------------------------------------------------
// Small helpers

function notificationUri(state: State, id: string): string {
  return `${state.baseUrl}/v2/notifications/${id}`;
}

/** The POST answer's template uri, in the form notifications-api's create_response.py builds. */
function postTemplateRef(state: State, templateId: string) {
  return {
    id: templateId,
    version: 1,
    uri: `${state.baseUrl}/services/${state.serviceId}/templates/${templateId}`,
  };
}

/** 'YYYY-MM-DD HH:MM:SS.ffffff': Python's microseconds, of which a Date holds the first three. */
function getTimestamp(d: Date): string {
  return d.toISOString().replace('T', ' ').replace('Z', '000');
}

/** '2017-05-14T12:15:30.000000Z', as callbacks carry it. */
function callbackTimestamp(d: Date): string {
  return d.toISOString().replace('Z', '000Z');
}

function optionalString(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function isObject(value: unknown): value is Body {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isUuid(value: unknown): boolean {
  return typeof value === 'string' && UUID_PATTERN.test(value);
}

/** How jsonschema shows a value in its message, near enough. */
function show(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
}
