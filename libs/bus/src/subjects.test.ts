import { describe, expect, it } from 'vitest';
import { Names } from './envelope.js';
import type { Subject } from './subjects.js';
import { isEventSubject, isRequestSubject, STREAMS, SUBJECTS, subjectsOfStream } from './subjects.js';

const all = Object.keys(SUBJECTS) as Subject[];

describe('subject catalogue', () => {
  it('names subjects <service>.<kebab-name> with past-tense events', () => {
    for (const s of all) {
      expect(s).toMatch(/^[a-z]+\.[a-z]+(-[a-z]+)*$/);
      if (SUBJECTS[s].kind === 'event') expect(s, s).toMatch(/ed$/);
    }
  });

  it('files every event under an existing stream, and every stream has events', () => {
    for (const name of Object.keys(STREAMS) as (keyof typeof STREAMS)[]) {
      expect(STREAMS[name].name).toBe(name);
      expect(subjectsOfStream(name).length, name).toBeGreaterThan(0);
    }
    const filed = (Object.keys(STREAMS) as (keyof typeof STREAMS)[]).flatMap(subjectsOfStream);
    expect(filed.sort()).toEqual(all.filter(isEventSubject).sort());
  });

  it('tells request and event subjects apart, and rejects unknown ones', () => {
    expect(isRequestSubject('mpi.resolve')).toBe(true);
    expect(isEventSubject('mpi.resolve')).toBe(false);
    expect(isEventSubject('mpi.patient-merged')).toBe(true);
    expect(isRequestSubject('toString')).toBe(false);
    expect(isEventSubject('nope')).toBe(false);
  });
});

describe('Names', () => {
  it('prefixes subjects and streams (streams without dots)', () => {
    const n = new Names('test_abc.x1.');
    expect(n.subject('mpi.resolve')).toBe('test_abc.x1.mpi.resolve');
    expect(n.streamOf('audit.record-submitted')).toBe('test_abc_x1_AUDIT');
    expect(new Names().stream('MPI')).toBe('MPI');
  });

  it('rejects prefixes that would break subjects', () => {
    expect(() => new Names('no-dot')).toThrow(/subjectPrefix/);
    expect(() => new Names('a.*.')).toThrow(/subjectPrefix/);
    expect(() => new Names('a b.')).toThrow(/subjectPrefix/);
  });
});
