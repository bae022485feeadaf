/**
 * The MLLP side of the MPI: one handler for every frame on the HL7v2 port. It parses
 * (MSH-18 charset at the byte level), checks the message structure of the transaction
 * MSH-9 names (ITI TF-2 versions), dispatches to ITI-8 / ITI-9 / ITI-21, and audits each
 * transaction (ATNA, ITI TF-2 3.8.5, 3.9.5, 3.21.5): the record is handed to the Secure Node
 * sender as the reply leaves, without waiting for it to be durable (audit-handoff.ts). Garbage (no MSH,
 * binary, bad delimiters) is answered with a reject ACK (MSA-1 AR) so the sender does not
 * wait; framing violations (oversized frame, junk stream) are handled by @mesh/mllp, which
 * closes only that connection.
 */
import { hostname } from 'node:os';
import {
  Hl7ParseError,
  PROFILES,
  buildAck,
  checkStructure,
  hl7Error,
  message,
  msh,
  parseHl7,
  segment,
  errSegments,
  transactionOf,
} from '@mesh/hl7v2';
import type { Hl7Issue, Hl7Message } from '@mesh/hl7v2';
import { auditSource, buildTransactionAudit } from '@mesh/audit';
import type { AuditSourceIdentification } from '@mesh/audit';
import type { MllpConnectionInfo, MllpHandler } from '@mesh/mllp';
import type { ServiceLogger } from '@mesh/runtime';
import type { AuditHandoff } from './audit-handoff.js';
import type { Hl7Deps } from './transactions/context.js';
import { handleIti8 } from './transactions/iti8.js';
import { handleIti9 } from './transactions/iti9.js';
import { handleIti21 } from './transactions/iti21.js';

export interface Hl7ListenerDeps extends Hl7Deps {
  /** Where audit records go; the reply does not wait for them to be durable. */
  readonly audit: AuditHandoff;
  readonly logger: ServiceLogger;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly clock: () => Date;
}

/** Reply bytes as a Buffer without a copy (the encoders already return Buffers). */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A reject for bytes that are not an HL7 message: no MSH to answer to, so a fresh MSH and an empty MSA-2. */
function rejectGarbage(deps: Hl7Deps, reason: string): Uint8Array {
  const r = deps.responder;
  return message([
    msh({
      sendingApplication: r.application,
      sendingFacility: r.facility,
      dateTime: r.clock(),
      messageType: ['ACK', '', 'ACK'],
      controlId: r.nextControlId(),
      version: '2.5',
    }),
    segment('MSA', 'AR', ''),
    ...errSegments([hl7Error('100', reason)], '2.5'),
  ]).toBytes();
}

/**
 * Whether a frame must run alone on its connection when the sender pipelines: everything but
 * a query (MSH-9.1 QBP, ITI-9 / ITI-21), whose answers do not depend on each other. Reads
 * MSH-9.1 from the raw bytes with the delimiters of MSH-1 and MSH-2; anything unreadable
 * runs alone.
 */
export function runsAlone(frame: Buffer): boolean {
  const head = frame.toString('latin1', 0, Math.min(frame.length, 512));
  if (!head.startsWith('MSH') || head.length < 8) return true;
  const field = head[3] as string;
  const component = head[4] as string;
  const msh9 = head.split(/[\r\n]/, 1)[0]?.split(field)[8];
  return msh9?.split(component)[0] !== 'QBP';
}

/** Creates the MLLP handler. */
export function createHl7Handler(deps: Hl7ListenerDeps): MllpHandler {
  const source: AuditSourceIdentification = auditSource(
    deps.env['AUDIT_SOURCE_ID'] ?? 'ihe-mesh',
    deps.env['AUDIT_ENTERPRISE_SITE_ID'],
  );
  const host = hostname();

  /** Queues the transaction's audit record; the reply does not wait for it (audit-handoff.ts). */
  function audit(
    msg: Hl7Message,
    info: MllpConnectionInfo,
    transaction: 'ITI-8' | 'ITI-9' | 'ITI-21',
    issues: readonly Hl7Issue[],
    extra: {
      action?: 'C' | 'U' | 'D';
      patientId?: string;
      patientIds?: readonly string[];
      query?: string;
      queryId?: string;
    },
  ): Promise<void> {
    const eventDateTime = deps.clock();
    return deps.audit.record({ transaction, messageId: msg.controlId }, () =>
      buildTransactionAudit({
        transaction,
        side: 'responder',
        outcome: issues.some((i) => i.severity === 'E') ? 'Failure' : 'Success',
        eventDateTime,
        initiator: {
          userId: `${msg.msh.get(3)}|${msg.msh.get(4)}`,
          networkAccessPoint: info.remoteAddress,
        },
        responder: {
          userId: `${msg.msh.get(5)}|${msg.msh.get(6)}`,
          altUserId: String(process.pid),
          networkAccessPoint: host,
        },
        auditSource: source,
        messageId: msg.controlId,
        ...(extra.action ? { action: extra.action } : {}),
        ...(extra.patientId ? { patientId: extra.patientId } : {}),
        ...(extra.patientIds ? { patientIds: extra.patientIds } : {}),
        ...(extra.query !== undefined
          ? { hl7Query: { query: extra.query, ...(extra.queryId ? { queryId: extra.queryId } : {}) } }
          : {}),
      }),
    );
  }

  async function dispatch(msg: Hl7Message, info: MllpConnectionInfo): Promise<Hl7Message> {
    const t = transactionOf(msg);
    if (t === undefined) {
      const issues = [
        hl7Error(
          '200',
          `message type ${msg.messageType.code}^${msg.messageType.trigger} is not served by the MPI`,
          'MSH-9.1',
        ),
      ];
      return buildAck(msg, deps.responder, { issues, version: msg.version === '2.3.1' ? '2.3.1' : '2.5' });
    }
    // ADT^A31 is what the MPI sends (ITI-10), not what it accepts: the ITI-8 profile rejects it (201).
    const profile = PROFILES[t === 'ITI-10' ? 'ITI-8' : t];
    const issues = checkStructure(msg, profile);
    if (issues.length > 0) return buildAck(msg, deps.responder, { issues, version: profile.replyVersion });
    switch (profile.transaction) {
      case 'ITI-8': {
        const r = await handleIti8(msg, deps);
        if (r.action === 'merge') {
          await audit(msg, info, 'ITI-8', r.issues, {
            action: 'U',
            ...(r.patientIds[0] ? { patientId: r.patientIds[0] } : {}),
          });
          await audit(msg, info, 'ITI-8', r.issues, {
            action: 'D',
            ...(r.patientIds[1] ? { patientId: r.patientIds[1] } : {}),
          });
        } else {
          await audit(msg, info, 'ITI-8', r.issues, {
            action: r.action === 'revise' ? 'U' : 'C',
            ...(r.patientIds[0] ? { patientId: r.patientIds[0] } : {}),
          });
        }
        return r.reply;
      }
      case 'ITI-9': {
        const r = await handleIti9(msg, deps);
        const qpd = msg.segment('QPD');
        await audit(msg, info, 'ITI-9', r.issues, {
          patientIds: r.patientIds,
          query: qpd?.encode() ?? '',
          ...(qpd?.get(2) ? { queryId: qpd.get(2) } : {}),
        });
        return r.reply;
      }
      case 'ITI-21': {
        const r = await handleIti21(msg, deps);
        const qpd = msg.segment('QPD');
        if (qpd)
          await audit(msg, info, 'ITI-21', r.issues, {
            patientIds: r.patientIds,
            query: qpd.encode(),
            ...(qpd.get(2) ? { queryId: qpd.get(2) } : {}),
          });
        return r.reply;
      }
      case 'ITI-10':
        return buildAck(msg, deps.responder, { issues: [hl7Error('200', 'not served')], version: '2.5' });
    }
  }

  return async (bytes, info) => {
    let msg: Hl7Message;
    try {
      msg = parseHl7(bytes);
    } catch (err) {
      if (!(err instanceof Hl7ParseError)) throw err;
      if (err.reason === 'charset') {
        // The MSH is readable as Latin-1 even when the declared charset is not supported.
        try {
          const readable = parseHl7(Buffer.from(bytes).toString('latin1'));
          const issue = hl7Error(/not supported/.test(err.message) ? '103' : '102', err.message, 'MSH-18');
          return Buffer.from(
            buildAck(readable, deps.responder, {
              issues: [{ ...issue }],
              version: readable.version === '2.3.1' ? '2.3.1' : '2.5',
              code: 'AR',
            }).toBytes(),
          );
        } catch {
          /* fall through to the generic reject */
        }
      }
      if (err.reason === 'bad-segment') {
        // A readable MSH followed by a malformed segment: reject it as that message (MSA-2 set).
        try {
          const text = Buffer.from(bytes).toString('latin1');
          const mshOnly = parseHl7(text.slice(0, text.search(/[\r\n]|$/)));
          return Buffer.from(
            buildAck(mshOnly, deps.responder, {
              issues: [hl7Error('100', err.message)],
              version: mshOnly.version === '2.3.1' ? '2.3.1' : '2.5',
              code: 'AR',
            }).toBytes(),
          );
        } catch {
          /* fall through to the generic reject */
        }
      }
      deps.logger.warn(
        { reason: err.reason, bytes: bytes.length, remote: info.remoteAddress },
        'HL7 frame rejected: not an HL7 message',
      );
      return Buffer.from(rejectGarbage(deps, err.message));
    }
    try {
      return asBuffer((await dispatch(msg, info)).toBytes());
    } catch (err) {
      // Anything but a spec answer is the PIX Manager's internal error (AE 207), logged once.
      deps.logger.error({ err, 'MSH-10': msg.controlId }, 'HL7 transaction failed');
      return Buffer.from(
        buildAck(msg, deps.responder, {
          issues: [hl7Error('207', 'internal error')],
          version: msg.version === '2.3.1' ? '2.3.1' : '2.5',
        }).toBytes(),
      );
    }
  };
}
