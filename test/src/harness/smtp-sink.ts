// A real SMTP server in the test process (smtp-server) that keeps every accepted mail; while
// `refusing` is set it answers 451 (try again later) to MAIL FROM, as a busy relay would.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface SinkMail {
  from: string;
  to: string[];
  subject: string;
  /** The decoded text body (headers stripped; quoted-printable soft breaks joined). */
  text: string;
  raw: string;
}

export interface SmtpSink {
  url: string;
  port: number;
  mails: SinkMail[];
  /** Count of refused MAIL FROM commands. */
  refused: number;
  refusing: boolean;
  close(): Promise<void>;
}

function decodeBody(raw: string): { subject: string; text: string } {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  let body = raw.slice(split + 4);
  const subject = /^subject: (.*)$/im.exec(head)?.[1] ?? '';
  if (/^content-transfer-encoding: quoted-printable$/im.test(head)) {
    body = body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
  }
  return { subject, text: body.replace(/\r\n/g, '\n') };
}

export async function startSmtpSink(port = 0): Promise<SmtpSink> {
  const sink: SmtpSink = { url: '', port: 0, mails: [], refused: 0, refusing: false, close: async () => undefined };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onMailFrom(_address, _session, callback) {
      if (!sink.refusing) return callback();
      sink.refused++;
      callback(Object.assign(new Error('Mailbox busy, try again later'), { responseCode: 451 }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const envelope = session.envelope;
        sink.mails.push({
          from: envelope.mailFrom ? envelope.mailFrom.address : '',
          to: envelope.rcptTo.map((r) => r.address),
          ...decodeBody(raw),
          raw,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  const address = server.server.address() as AddressInfo;
  sink.port = address.port;
  sink.url = `smtp://127.0.0.1:${address.port}`;
  sink.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return sink;
}
