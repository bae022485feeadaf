import { describe, it } from 'vitest';
import type { Bus } from './bus.js';
import { runBusContract } from './contract.js';
import { connectNats } from './nats.js';

const url = process.env.NATS_URL;

if (url === undefined) {
  // Without NATS_URL the embedded equivalent runs (in-process.int.test.ts), as for every
  // integration test of the workspace (see vitest.config.ts).
  describe.skip('Bus contract: NATS (set NATS_URL to run it against a JetStream-enabled server)', () => {
    it('needs NATS_URL', () => undefined);
  });
} else {
  runBusContract('NATS', async (subjectPrefix) => {
    const bus = await connectNats({ servers: url, name: 'bus-contract', subjectPrefix });
    const peers: Bus[] = [];
    return {
      bus,
      async peer() {
        const p = await connectNats({ servers: url, name: 'bus-contract-peer', subjectPrefix });
        peers.push(p);
        return p;
      },
      async cleanup() {
        await bus.deleteStreams();
        await Promise.all(peers.map((p) => p.close()));
        await bus.close();
      },
    };
  });
}
