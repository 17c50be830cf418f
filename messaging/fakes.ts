// Local stand-ins for transports we cannot run here (an SMS gateway, a school messaging app). They
// sit behind the same interfaces a real adapter implements. The outbox row is the record: it ends
// with the channel (sms/app) and status `sent`; the fakes also keep what they were given, for tests
// and the demo. They do not reach anyone: production without a real gateway should pass none, so
// texts are `held` for the team to send by hand.
import type { AppMessage, AppMessenger, Mailer, OutgoingMail, SmsGateway } from './types';

export class RecordingSmsGateway implements SmsGateway {
  readonly sent: { to: string; text: string; reference?: string }[] = [];

  send(to: string, text: string, options?: { reference?: string }): Promise<void> {
    this.sent.push({ to, text, ...(options?.reference ? { reference: options.reference } : {}) });
    return Promise.resolve();
  }
}

export class RecordingAppMessenger implements AppMessenger {
  readonly sent: AppMessage[] = [];

  send(msg: AppMessage): Promise<void> {
    this.sent.push(msg);
    return Promise.resolve();
  }
}

/**
 * A mailer that reaches nobody and keeps what it was given: for what-if simulations, where a letter
 * the real product would email is recorded as sent in the simulation's own private copy of the
 * school, and for nothing else.
 */
export class RecordingMailer implements Mailer {
  readonly sent: OutgoingMail[] = [];

  deliver(msg: OutgoingMail): Promise<void> {
    this.sent.push(msg);
    return Promise.resolve();
  }
}
