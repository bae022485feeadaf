export { formatSyslog, isValidSyslogTimestamp, parseSyslog, SyslogParseError } from './rfc5424.js';
export type { SdElement, SdParam, SyslogFields, SyslogMessage, SyslogParseErrorReason } from './rfc5424.js';
export { encodeOctetCountingFrame, OctetCountingDecoder, OctetFramingError } from './octet-counting.js';
export type { OctetFramingErrorReason } from './octet-counting.js';
export type {
  SyslogHandler,
  SyslogLogger,
  SyslogPeerInfo,
  SyslogRejectInfo,
  SyslogRejectListener,
  SyslogRejectReason,
  SyslogServer,
  SyslogServerStats,
} from './types.js';
export { createSyslogTlsServer } from './tls-server.js';
export type { SyslogTlsServerOptions } from './tls-server.js';
export { createSyslogUdpServer } from './udp-server.js';
export type { SyslogUdpServerOptions } from './udp-server.js';
export { sendSyslogTls, sendSyslogUdp, SyslogSendError } from './client.js';
export type { SendSyslogTlsOptions } from './client.js';
