import { describe, expect, it } from 'vitest';
import { runsAlone } from './hl7-listener.js';

const frame = (msh: string): Buffer => Buffer.from(`${msh}\rQPD|x\r`, 'latin1');

describe('runsAlone (which frames a pipelining sender gets answered one at a time)', () => {
  it('lets queries run together', () => {
    expect(runsAlone(frame('MSH|^~\\&|A|B|C|D|20261126||QBP^Q23^QBP_Q21|1|P|2.5'))).toBe(false);
    expect(runsAlone(frame('MSH#$~\\&#A#B#C#D#20261126##QBP$Q22$QBP_Q21#1#P#2.5'))).toBe(false);
  });

  it('runs feeds, cancels and anything unreadable alone', () => {
    expect(runsAlone(frame('MSH|^~\\&|A|B|C|D|20261126||ADT^A01^ADT_A01|1|P|2.3.1'))).toBe(true);
    expect(runsAlone(frame('MSH|^~\\&|A|B|C|D|20261126||QCN^J01^QCN_J01|1|P|2.5'))).toBe(true);
    expect(runsAlone(Buffer.from('garbage'))).toBe(true);
    expect(runsAlone(Buffer.from('MSH|^~\\&|A\rQBP^Q23'))).toBe(true);
  });
});
