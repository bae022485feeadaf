export {
  MLLP_START_BLOCK,
  MLLP_END_BLOCK,
  MLLP_CARRIAGE_RETURN,
  MllpDecoder,
  MllpFramingError,
  encodeMllpFrame,
} from './frame.js';
export type { MllpDecoderOptions, MllpFramingErrorReason } from './frame.js';
export type { MllpLogger } from './logger.js';
export { createMllpServer } from './server.js';
export type {
  MllpConnectionInfo,
  MllpHandler,
  MllpServer,
  MllpServerOptions,
  MllpServerStats,
} from './server.js';
export {
  createMllpClient,
  mllpRequest,
  MllpClientError,
  MllpConnectionError,
  MllpTimeoutError,
} from './client.js';
export type { MllpClient, MllpClientOptions } from './client.js';
