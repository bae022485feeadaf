/**
 * The initiator side: ITI-44 feeds, ITI-45 and ITI-47 queries and the ITI-47 continuation or
 * cancel, as a Patient Identity Source or consumer sends them. The mesh's test harness uses
 * them to drive the PIX Manager and PDQ Supplier over SOAP; each parses back with the
 * matching parser.
 */
import { CODE_SYSTEM, patientRole, pdqQueryByParameter, pixQueryByParameter } from './build.js';
import type { PdqQuery, PixQuery } from './build.js';
import { ITI44_INTERACTIONS } from './iti44.js';
import type { Device, FeedKind, II, PatientFeedV3 } from './model.js';
import { ROOT_ATTRS, acknowledgement, custodian, el, ii, person, wrapper } from './write.js';
import type { MessageOptions, Xml } from './write.js';

/** Addressing of a request: our device and the responder's. */
export interface RequestAddressing {
  readonly sender: Device;
  readonly receiver: Device;
}

const INTERACTION: Readonly<Record<FeedKind, string>> = Object.fromEntries(
  Object.entries(ITI44_INTERACTIONS).map(([k, v]) => [v, k]),
) as Record<FeedKind, string>;

function controlAct(trigger: string, authorDeviceId: II | undefined, ...content: (Xml | undefined)[]): Xml {
  return el(
    'controlActProcess',
    { classCode: 'CACT', moodCode: 'EVN' },
    el('code', { code: trigger, codeSystem: CODE_SYSTEM }),
    authorDeviceId &&
      el(
        'authorOrPerformer',
        { typeCode: 'AUT' },
        el('assignedDevice', { classCode: 'ASSIGNED' }, ii('id', authorDeviceId)),
      ),
    content,
  );
}

/**
 * ITI-44 Patient Identity Feed HL7 V3 (ITI TF-2 3.44.4.1.2, 3.44.4.2.2): PRPA_IN201301UV02,
 * PRPA_IN201302UV02 or PRPA_IN201304UV02 by `kind`; a merge carries `replacedIds` in the
 * obsolete prior registration.
 */
export function buildIti44Feed(
  feed: Pick<PatientFeedV3, 'kind' | 'patient' | 'custodianId' | 'replacedIds'>,
  opts: MessageOptions & RequestAddressing,
): string {
  const interaction = INTERACTION[feed.kind];
  const trigger = interaction.replace('_IN', '_TE');
  const p = feed.patient;
  const replacement =
    feed.kind === 'merge'
      ? el(
          'replacementOf',
          { typeCode: 'RPLC' },
          el(
            'priorRegistration',
            { classCode: 'REG', moodCode: 'EVN' },
            el('statusCode', { code: 'obsolete' }),
            el(
              'subject1',
              { typeCode: 'SBJ' },
              el(
                'priorRegisteredRole',
                { classCode: 'PAT' },
                feed.replacedIds.map((id) => ii('id', id)),
              ),
            ),
          ),
        )
      : undefined;
  return el(
    interaction,
    ROOT_ATTRS,
    wrapper(interaction, opts, 'AL', opts.receiver, opts.sender),
    controlAct(
      trigger,
      undefined,
      el(
        'subject',
        { typeCode: 'SUBJ', contextConductionInd: 'false' },
        el(
          'registrationEvent',
          { classCode: 'REG', moodCode: 'EVN' },
          el('id', { nullFlavor: 'NA' }),
          el('statusCode', { code: 'active' }),
          el(
            'subject1',
            { typeCode: 'SBJ' },
            patientRole(p.ids, person(p.demographics, p.otherIds), p.providerOrganizationId),
          ),
          feed.custodianId && custodian(feed.custodianId),
          replacement,
        ),
      ),
    ),
  );
}

/** ITI-45 PIXV3 Query, PRPA_IN201309UV02 (ITI TF-2 3.45.4.1.2). */
export function buildIti45Query(query: PixQuery, opts: MessageOptions & RequestAddressing): string {
  return el(
    'PRPA_IN201309UV02',
    ROOT_ATTRS,
    wrapper('PRPA_IN201309UV02', opts, 'AL', opts.receiver, opts.sender),
    controlAct('PRPA_TE201309UV02', query.authorDeviceId, pixQueryByParameter(query)),
  );
}

/**
 * ITI-47 Patient Demographics Query, PRPA_IN201305UV02 (ITI TF-2 3.47.4.1.2). The control act
 * mood is EVN as the NE2008 schema fixes it (the TF's RQO is CP-ITI-455).
 */
export function buildIti47Query(query: PdqQuery, opts: MessageOptions & RequestAddressing): string {
  return el(
    'PRPA_IN201305UV02',
    ROOT_ATTRS,
    wrapper('PRPA_IN201305UV02', opts, 'AL', opts.receiver, opts.sender),
    controlAct('PRPA_TE201305UV02', query.authorDeviceId, pdqQueryByParameter(query)),
  );
}

/**
 * ITI-47 continuation (QUQI_IN000003UV01, statusCode waitContinuedQueryResponse) or cancel
 * (root QUQI_IN000003UV01_Cancel, statusCode aborted), ITI TF-2 3.47.4.3: the acknowledgement
 * targets the last response received; the queryId is the original query's.
 */
export function buildIti47Continuation(
  c: {
    readonly queryId: II;
    readonly cancel: boolean;
    /** The message id of the last PRPA_IN201306UV02 received. */
    readonly targetMessageId: II;
    readonly continuationQuantity?: number;
    readonly startResultNumber?: number;
  },
  opts: MessageOptions & RequestAddressing,
): string {
  const root = c.cancel ? 'QUQI_IN000003UV01_Cancel' : 'QUQI_IN000003UV01';
  return el(
    root,
    ROOT_ATTRS,
    wrapper('QUQI_IN000003UV01', opts, 'AL', opts.receiver, opts.sender),
    acknowledgement('AA', c.targetMessageId, []),
    controlAct(
      'PRPA_TE000003UV01',
      undefined,
      el(
        'queryContinuation',
        {},
        ii('queryId', c.queryId),
        c.startResultNumber !== undefined
          ? el('startResultNumber', { value: c.startResultNumber })
          : undefined,
        c.continuationQuantity !== undefined
          ? el('continuationQuantity', { value: c.continuationQuantity })
          : undefined,
        el('statusCode', { code: c.cancel ? 'aborted' : 'waitContinuedQueryResponse' }),
      ),
    ),
  );
}
