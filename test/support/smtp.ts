// A real SMTP server on loopback that keeps every message it receives, parsed.
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import { freePort } from '../../temporal/provision';

export interface TestSmtp {
  url: string;
  port: number;
  messages: ParsedMail[];
  /** Waits until at least n messages have arrived (or throws after timeoutMs). */
  waitFor(n: number, timeoutMs?: number): Promise<ParsedMail[]>;
  /** From now on the server refuses mail to this address, as a server does for an unknown mailbox. */
  refuse(address: string): void;
  /** How many times the server has refused mail to this address. */
  refusals(address: string): number;
  /**
   * Connections that broke mid-session (a client killed while sending, as the fault tests do). A
   * mail server logs these and carries on; so does this one, and counts them.
   */
  brokenConnections: Error[];
  close(): Promise<void>;
}

export async function startTestSmtp(): Promise<TestSmtp> {
  const messages: ParsedMail[] = [];
  const refused = new Map<string, number>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      const n = refused.get(address.address.toLowerCase());
      if (n === undefined) return callback();
      refused.set(address.address.toLowerCase(), n + 1);
      const err = Object.assign(new Error(`550 5.1.1 <${address.address}>: mailbox unavailable`), {
        responseCode: 550,
      });
      return callback(err);
    },
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          messages.push(mail);
          callback();
        })
        .catch((err: Error) => callback(err));
    },
  });
  // Without a listener a client that vanishes mid-session (ECONNRESET) would crash the test process.
  const brokenConnections: Error[] = [];
  server.on('error', (err: Error) => brokenConnections.push(err));
  const port = await freePort();
  await new Promise<void>((res) => server.listen(port, '127.0.0.1', res));
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    messages,
    async waitFor(n, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < n) {
        if (Date.now() > deadline) throw new Error(`expected ${n} messages, got ${messages.length}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return messages;
    },
    refuse: (address) => void refused.set(address.toLowerCase(), refused.get(address.toLowerCase()) ?? 0),
    refusals: (address) => refused.get(address.toLowerCase()) ?? 0,
    brokenConnections,
    close: () => new Promise<void>((res) => server.close(() => res())),
  };
}
