/** Matching cases: typos, swapped names, accents and compound names, twins with the same birth date. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_MATCH_POLICY, decide, matchScore, matchScorer, nameKey, phoneticKey } from './matching.js';
import type { Demographics } from './matching.js';

const person = (
  family: string,
  given: string,
  birthDate: string,
  sex = 'F',
  extra: Partial<Demographics> = {},
): Demographics => ({
  names: [{ family, given: given.split(' '), use: 'L' }],
  birthDate,
  sex,
  addresses: [
    { street: '12 rue des Jardins', city: 'Esch-sur-Alzette', postalCode: 'L-4001', country: 'LU' },
  ],
  ...extra,
});
const verdict = (a: Demographics, b: Demographics): string =>
  decide(matchScore(a, b).score, DEFAULT_MATCH_POLICY);

describe('normalisation and phonetic keys', () => {
  it('strips accents and folds compound names', () => {
    expect(nameKey('Müller-Lüdenscheidt')).toBe('MULLERLUDENSCHEIDT');
    expect(nameKey("d'Almeida")).toBe('DALMEIDA');
    expect(nameKey('Zoé')).toBe('ZOE');
  });
  it('gives sound-alike names one key', () => {
    expect(phoneticKey('Meyer')).toBe(phoneticKey('Maier'));
    expect(phoneticKey('Müller')).toBe(phoneticKey('Mueller'));
    expect(phoneticKey('Philippe')).toBe(phoneticKey('Filipe'));
    expect(phoneticKey('Dupont')).toBe(phoneticKey('Dupond'));
    expect(phoneticKey('Schmitt')).not.toBe(phoneticKey('Weber'));
  });
});

describe('match decisions', () => {
  const marie = person('Dupont', 'Marie', '1980-03-14');
  it('links the same person', () => {
    expect(verdict(marie, person('DUPONT', 'MARIE', '1980-03-14'))).toBe('link');
  });
  it('links through a typo in the family name', () => {
    expect(verdict(marie, person('Dupomt', 'Marie', '1980-03-14'))).toBe('link');
  });
  it('links through accents and a transliterated umlaut', () => {
    expect(verdict(person('Müller', 'Zoé', '1975-01-02'), person('Mueller', 'Zoe', '1975-01-02'))).toBe(
      'link',
    );
  });
  it('links family and given names swapped', () => {
    const b = matchScore(marie, person('Marie', 'Dupont', '1980-03-14'));
    expect(b.swappedNames).toBe(true);
    expect(decide(b.score, DEFAULT_MATCH_POLICY)).toBe('link');
  });
  it('sends a compound family name with another birth-date digit to review, not link', () => {
    expect(verdict(marie, person('Dupont-Martin', 'Marie', '1980-03-15'))).toBe('review');
  });
  it('treats day and month swapped as a probable entry error (review at least)', () => {
    expect(['link', 'review']).toContain(
      verdict(person('Dupont', 'Marie', '1980-04-03'), person('Dupont', 'Marie', '1980-03-04')),
    );
  });
  it('never links twins with the same birth date (different given names)', () => {
    const anna = person('Schmit', 'Anna', '2001-06-30');
    const emma = person('Schmit', 'Emma', '2001-06-30');
    expect(verdict(anna, emma)).not.toBe('link');
  });
  it('never links twins of different sex with similar given names', () => {
    expect(
      verdict(person('Weber', 'Jean', '2001-06-30', 'M'), person('Weber', 'Jeanne', '2001-06-30', 'F')),
    ).toBe('new');
  });
  it('creates a new identity for a different person', () => {
    expect(verdict(marie, person('Hoffmann', 'Paul', '1955-11-02', 'M'))).toBe('new');
  });
  it('does not link the same name with another birth year', () => {
    expect(verdict(marie, person('Dupont', 'Marie', '1962-08-01'))).toBe('new');
  });
  it('recognises a married name against the birth name of the other source', () => {
    const married = person('Martin', 'Marie', '1980-03-14', 'F', {
      names: [
        { family: 'Martin', given: ['Marie'], use: 'L' },
        { family: 'Dupont', given: ['Marie'], use: 'B' },
      ],
    });
    expect(matchScore(married, marie).family).toBeCloseTo(0.9);
    expect(matchScore(marie, married).family).toBeCloseTo(0.9);
  });
  it('scores many candidates against one record as one pair at a time does', () => {
    const candidates = [
      person('DUPONT', 'MARIE', '1980-03-14'),
      person('Marie', 'Dupont', '1980-03-14'),
      person('Dupont-Martin', 'Marie Anne', '1980-03-15'),
      person('Dupont', 'Marie', '1980-04-03', 'U', { addresses: [] }),
      person('Hoffmann', 'Paul', '1955-11-02', 'M', { addresses: [{ postalCode: 'L-4001' }] }),
      { names: [{ family: '', given: [] }] },
    ];
    const score = matchScorer(marie);
    for (const c of candidates) expect(score(c)).toEqual(matchScore(marie, c));
  });
});
