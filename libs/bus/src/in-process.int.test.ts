import { runBusContract } from './contract.js';
import { createInProcessBus } from './in-process.js';

runBusContract('in-process', (subjectPrefix) => {
  const bus = createInProcessBus({ subjectPrefix });
  return Promise.resolve({ bus, peer: () => Promise.resolve(bus), cleanup: () => bus.close() });
});
