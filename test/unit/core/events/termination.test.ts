import { describe, expect, it } from 'vitest';
import { type EventIssue, formatEventIssues, parseTerminationEvent } from '../../../../lambda/core/events/termination.js';
import { rawMalloryEvent } from '../../../fixtures/pipeline/sample-org.js';

type Raw = Record<string, unknown>;

const withDetail = (detail: Raw): Raw => {
  const raw = rawMalloryEvent();
  return { ...raw, detail: { ...(raw.detail as Raw), ...detail } };
};

const withoutDetailField = (field: string): Raw => {
  const raw = rawMalloryEvent();
  const detail = { ...(raw.detail as Raw) };
  delete detail[field];
  return { ...raw, detail };
};

const issuesOf = (raw: unknown): readonly EventIssue[] => {
  const result = parseTerminationEvent(raw);
  if (result.ok) throw new Error('expected the event to be rejected');
  return result.issues;
};

describe('Function: parseTerminationEvent', () => {
  it('accepts the sample HR event and returns its fields', () => {
    // Prepare
    const raw = rawMalloryEvent();

    // Act
    const result = parseTerminationEvent(raw);

    // Assess
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.event.source).toBe('hr.workday');
    expect(result.event['detail-type']).toBe('Employee Terminated');
    expect(result.event.detail).toEqual({
      eventId: 'WD-2026-11-29-0001',
      employeeId: 'E1042',
      email: 'mallory@example.com',
      effectiveAt: '2026-11-29T09:00:00Z',
      terminationType: 'involuntary',
      reason: 'Role eliminated',
      initiatedBy: 'hr-ops@example.com',
    });
  });

  it('accepts an event with only the required fields', () => {
    // Prepare
    const raw = {
      source: 'hr.bamboo',
      'detail-type': 'Employee Terminated',
      detail: {
        eventId: 'e-1',
        employeeId: 'E1',
        email: 'a@example.com',
        effectiveAt: '2026-01-01T00:00:00+01:00',
        terminationType: 'hostile',
      },
    };

    // Act
    const result = parseTerminationEvent(raw);

    // Assess
    expect(result.ok).toBe(true);
  });

  it.each(['voluntary', 'involuntary', 'hostile'])('accepts terminationType %s', (terminationType) => {
    // Prepare
    const raw = withDetail({ terminationType });

    // Act
    const result = parseTerminationEvent(raw);

    // Assess
    expect(result.ok && result.event.detail.terminationType).toBe(terminationType);
  });

  it('allows unknown detail fields that HR systems add', () => {
    // Prepare
    const raw = withDetail({ costCentre: 'CC-12', manager: { id: 'E0001' } });

    // Act
    const result = parseTerminationEvent(raw);

    // Assess
    expect(result.ok).toBe(true);
  });

  it.each(['eventId', 'employeeId', 'email', 'effectiveAt', 'terminationType'])(
    'rejects an event without detail.%s and names that path',
    (field) => {
      // Prepare
      const raw = withoutDetailField(field);

      // Act
      const issues = issuesOf(raw);

      // Assess
      expect(issues.map((i) => i.path)).toEqual([`detail.${field}`]);
    },
  );

  it.each([
    ['email', 'not-an-email'],
    ['email', 42],
    ['effectiveAt', 'yesterday'],
    ['effectiveAt', '2026-11-29'],
    ['terminationType', 'fired'],
    ['employeeId', ''],
    ['eventId', ''],
    ['eventId', 'x'.repeat(257)],
    ['employeeId', 'x'.repeat(129)],
    ['reason', 'x'.repeat(2001)],
    ['initiatedBy', 7],
  ])('rejects a malformed detail.%s (%j) and names that path', (field, value) => {
    // Prepare
    const raw = withDetail({ [field]: value });

    // Act
    const issues = issuesOf(raw);

    // Assess
    expect(issues.map((i) => i.path)).toEqual([`detail.${field}`]);
    expect(issues[0]?.message).not.toBe('');
  });

  it('reports every problem of the sample malformed event at once', () => {
    // Prepare
    const raw = withDetail({ email: 'not-an-email', terminationType: 'fired' });

    // Act
    const issues = issuesOf(raw);

    // Assess
    expect(issues.map((i) => i.path).sort()).toEqual(['detail.email', 'detail.terminationType']);
  });

  it('rejects another detail-type and names detail-type', () => {
    // Prepare
    const raw = { ...rawMalloryEvent(), 'detail-type': 'Employee Hired' };

    // Act
    const issues = issuesOf(raw);

    // Assess
    expect(issues.map((i) => i.path)).toEqual(['detail-type']);
  });

  it.each(['workday', 'aws.iam', 'HR.workday', 'hr.', 'xhr.workday'])('rejects source %s, which is not hr.<system>', (source) => {
    // Prepare
    const raw = { ...rawMalloryEvent(), source };

    // Act
    const issues = issuesOf(raw);

    // Assess
    expect(issues).toEqual([{ path: 'source', message: 'must be "hr.<system>"' }]);
  });

  it('rejects an event without detail and names detail', () => {
    // Prepare
    const raw = rawMalloryEvent();
    delete raw.detail;

    // Act
    const issues = issuesOf(raw);

    // Assess
    expect(issues.map((i) => i.path)).toEqual(['detail']);
  });

  it('rejects a malformed optional envelope field (time) and names it', () => {
    // Prepare
    const raw = { ...rawMalloryEvent(), time: 'noon' };

    // Act
    const issues = issuesOf(raw);

    // Assess
    expect(issues.map((i) => i.path)).toEqual(['time']);
  });

  it.each([null, 'a string', 42, []])('rejects %j as a whole with path (event)', (raw) => {
    // Act
    const issues = issuesOf(raw);

    // Assess
    expect(issues.map((i) => i.path)).toEqual(['(event)']);
  });
});

describe('Function: formatEventIssues', () => {
  it('joins issues as "path: message" separated by semicolons', () => {
    // Prepare
    const issues: EventIssue[] = [
      { path: 'detail.email', message: 'Invalid email address' },
      { path: 'source', message: 'must be "hr.<system>"' },
    ];

    // Act
    const text = formatEventIssues(issues);

    // Assess
    expect(text).toBe('detail.email: Invalid email address; source: must be "hr.<system>"');
  });

  it('formats the issues parseTerminationEvent returns so each path appears', () => {
    // Prepare
    const issues = issuesOf(withDetail({ email: 'nope', effectiveAt: 'soon' }));

    // Act
    const text = formatEventIssues(issues);

    // Assess
    expect(text).toMatch(/^detail\.\w+: .+; detail\.\w+: .+$/);
    expect(text).toContain('detail.email: ');
    expect(text).toContain('detail.effectiveAt: ');
  });

  it('returns an empty string for no issues', () => {
    // Act
    const text = formatEventIssues([]);

    // Assess
    expect(text).toBe('');
  });
});
