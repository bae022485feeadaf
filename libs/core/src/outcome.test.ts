import { describe, expect, it } from 'vitest';
import { MeshError, error, failure, hasErrors, outcomeOf, success, warning } from './outcome.js';
import type { Issue, Outcome } from './outcome.js';

const metadataError = error('XDSRegistryMetadataError', 'classCode missing', 'DocumentEntry.classCode');
const extraWarning = warning('XDSExtraMetadataNotSaved', 'slot urn:x not saved');

describe('issues', () => {
  it('error() and warning() set the severity and keep location only when given', () => {
    expect(metadataError).toEqual({
      code: 'XDSRegistryMetadataError',
      severity: 'Error',
      context: 'classCode missing',
      location: 'DocumentEntry.classCode',
    });
    expect(extraWarning).toEqual({
      code: 'XDSExtraMetadataNotSaved',
      severity: 'Warning',
      context: 'slot urn:x not saved',
    });
    expect('location' in extraWarning).toBe(false);
    expect('location' in error('XDSRegistryError', 'x')).toBe(false);
  });

  it('hasErrors looks at severities only', () => {
    expect(hasErrors([])).toBe(false);
    expect(hasErrors([extraWarning])).toBe(false);
    expect(hasErrors([extraWarning, metadataError])).toBe(true);
  });
});

describe('outcomes', () => {
  it('success carries the value and warnings; no value key when there is no value', () => {
    expect(success()).toEqual({ status: 'Success', issues: [] });
    expect('value' in success()).toBe(false);
    expect(success(42, [extraWarning])).toEqual({ status: 'Success', issues: [extraWarning], value: 42 });
  });

  it('failure carries the issues and no value', () => {
    expect(failure([metadataError])).toEqual({ status: 'Failure', issues: [metadataError] });
  });

  it('outcomeOf derives Failure from any Error, else Success', () => {
    expect(outcomeOf([]).status).toBe('Success');
    expect(outcomeOf([extraWarning]).status).toBe('Success');
    expect(outcomeOf([extraWarning, metadataError]).status).toBe('Failure');
    expect(outcomeOf([metadataError], 'partial')).toEqual({
      status: 'Failure',
      issues: [metadataError],
      value: 'partial',
    });
    expect(outcomeOf([extraWarning], ['doc'])).toEqual({
      status: 'Success',
      issues: [extraWarning],
      value: ['doc'],
    });
    expect('value' in outcomeOf([metadataError])).toBe(false);
  });

  it('outcomeOf never derives PartialSuccess: transactions that allow it decide', () => {
    const statuses = [[], [extraWarning], [metadataError], [extraWarning, metadataError]].map(
      (issues: Issue[]) => outcomeOf(issues, 'v').status,
    );
    expect(statuses).not.toContain('PartialSuccess');
  });
});

describe('MeshError', () => {
  it('wraps a single issue as a Failure, blaming the sender by default', () => {
    const e = new MeshError(metadataError);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('MeshError');
    expect(e.outcome).toEqual({ status: 'Failure', issues: [metadataError] });
    expect(e.fault).toBe('sender');
    expect(e.message).toBe('XDSRegistryMetadataError: classCode missing');
    expect(e.cause).toBeUndefined();
  });

  it('wraps a list of issues, the message naming the first', () => {
    const e = new MeshError([extraWarning, metadataError], { fault: 'receiver' });
    expect(e.outcome.status).toBe('Failure');
    expect(e.outcome.issues).toEqual([extraWarning, metadataError]);
    expect(e.fault).toBe('receiver');
    expect(e.message).toBe('XDSExtraMetadataNotSaved: slot urn:x not saved');
  });

  it('keeps a given outcome as is, PartialSuccess included', () => {
    const outcome: Outcome = { status: 'PartialSuccess', issues: [metadataError] };
    expect(new MeshError(outcome).outcome).toBe(outcome);
  });

  it('names a failure without issues plainly', () => {
    expect(new MeshError([]).message).toBe('Failure');
  });

  it('keeps the cause and the fault kind', () => {
    const cause = new Error('pool exhausted');
    const e = new MeshError(error('XDSRegistryBusy', 'try later'), { fault: 'busy', cause });
    expect(e.cause).toBe(cause);
    expect(e.fault).toBe('busy');
  });

  it('of() builds a single-issue failure with location, fault and cause', () => {
    const cause = new Error('db');
    const e = MeshError.of('XDSRepositoryError', 'store failed', {
      location: 'Document.1',
      fault: 'receiver',
      cause,
    });
    expect(e.outcome).toEqual({
      status: 'Failure',
      issues: [
        { code: 'XDSRepositoryError', severity: 'Error', context: 'store failed', location: 'Document.1' },
      ],
    });
    expect(e.fault).toBe('receiver');
    expect(e.cause).toBe(cause);
    expect(MeshError.of('XDSRegistryError', 'x').fault).toBe('sender');
    expect('location' in MeshError.of('XDSRegistryError', 'x').outcome.issues[0]!).toBe(false);
  });
});
