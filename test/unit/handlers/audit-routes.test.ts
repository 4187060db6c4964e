import { describe, expect, it } from 'vitest';
import type { AuditRequest, RouteMatch } from '../../../lambda/handlers/audit-routes.js';
import { AUDIT_API_ROUTES, DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, routeAuditRequest } from '../../../lambda/handlers/audit-routes.js';
import { AUDIT_ROUTES } from '../../../lib/constructs/audit-api.js';

const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

const request = (overrides: Partial<AuditRequest>): AuditRequest => ({
  httpMethod: 'GET',
  resource: '/verify',
  pathParameters: null,
  queryStringParameters: null,
  multiValueQueryStringParameters: null,
  ...overrides,
});

/** A request as API Gateway builds it: both query maps filled from one list of pairs. */
const withQuery = (
  resource: string,
  pairs: readonly [string, string][],
  pathParameters: AuditRequest['pathParameters'] = null,
): AuditRequest => {
  const multi: Record<string, string[]> = {};
  for (const [name, value] of pairs) multi[name] = [...(multi[name] ?? []), value];
  const single = Object.fromEntries(Object.entries(multi).map(([name, values]) => [name, values.at(-1) as string]));
  return request({
    resource,
    pathParameters,
    queryStringParameters: pairs.length === 0 ? null : single,
    multiValueQueryStringParameters: pairs.length === 0 ? null : multi,
  });
};

const refusal = (match: RouteMatch) => {
  if (match.ok) throw new Error(`expected a refusal, got route ${match.route.kind}`);
  return match.error;
};

describe('Function: routeAuditRequest', () => {
  describe('routes', () => {
    it('keeps to the resources the stack declares', () => {
      // Assess
      expect(AUDIT_API_ROUTES).toEqual(AUDIT_ROUTES);
    });

    it('reads GET /cases with employeeId, time bounds and paging', () => {
      // Act
      const match = routeAuditRequest(
        withQuery('/cases', [
          ['employeeId', 'emp-42'],
          ['since', '2025-03-01'],
          ['until', '2025-03-02T10:00:00+02:00'],
          ['limit', '25'],
          ['cursor', 'eyJ2IjoxfQ'],
        ]),
      );

      // Assess
      expect(match).toEqual({
        ok: true,
        route: {
          kind: 'cases-by-employee',
          employeeId: 'emp-42',
          since: '2025-03-01T00:00:00.000Z',
          until: '2025-03-02T08:00:00.000Z',
          page: { limit: 25, cursor: 'eyJ2IjoxfQ' },
        },
      });
    });

    it('reads GET /cases/{caseId} with the default page size', () => {
      // Act
      const match = routeAuditRequest(request({ resource: '/cases/{caseId}', pathParameters: { caseId: 'case-0123abcd' } }));

      // Assess
      expect(match).toEqual({ ok: true, route: { kind: 'case', caseId: 'case-0123abcd', page: { limit: DEFAULT_PAGE_LIMIT } } });
    });

    it('reads the resource ARN of GET /resources/{arn}/history, slashes included', () => {
      // Act
      const match = routeAuditRequest(withQuery('/resources/{arn+}', [['limit', '100']], { arn: `${KEY_ARN}/history` }));

      // Assess
      expect(match).toEqual({ ok: true, route: { kind: 'resource-history', resourceArn: KEY_ARN, page: { limit: MAX_PAGE_LIMIT } } });
    });

    it('strips only the last /history of an ARN that itself ends in /history', () => {
      // Prepare
      const arn = 'arn:aws:ssm:eu-west-1:111122223333:parameter/signing/history';

      // Act
      const match = routeAuditRequest(request({ resource: '/resources/{arn+}', pathParameters: { arn: `${arn}/history` } }));

      // Assess
      expect(match).toMatchObject({ ok: true, route: { resourceArn: arn } });
    });

    it('reads GET /verify for the whole ledger and for one case', () => {
      // Act
      const all = routeAuditRequest(request({ resource: '/verify' }));
      const one = routeAuditRequest(withQuery('/verify', [['caseId', 'case-7']]));

      // Assess
      expect(all).toEqual({ ok: true, route: { kind: 'verify' } });
      expect(one).toEqual({ ok: true, route: { kind: 'verify', caseId: 'case-7' } });
    });
  });

  describe('unknown routes and methods', () => {
    it('answers 404 for a resource the API does not have', () => {
      // Act
      const error = refusal(routeAuditRequest(request({ resource: '/entries' })));

      // Assess
      expect(error).toMatchObject({ status: 404, code: 'ERR_ROUTE_NOT_FOUND' });
    });

    it('answers 404 for a path under /resources that does not end in /history', () => {
      // Act
      const error = refusal(routeAuditRequest(request({ resource: '/resources/{arn+}', pathParameters: { arn: KEY_ARN } })));

      // Assess
      expect(error).toMatchObject({ status: 404, code: 'ERR_ROUTE_NOT_FOUND' });
    });

    it.each(['POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'])('answers 405 for %s on a known route', (httpMethod) => {
      // Act
      const error = refusal(routeAuditRequest(request({ httpMethod, resource: '/cases/{caseId}', pathParameters: { caseId: 'c' } })));

      // Assess
      expect(error).toMatchObject({ status: 405, code: 'ERR_METHOD_NOT_ALLOWED' });
      expect(error.message).toContain(httpMethod);
    });

    it('answers 404, not 405, for another method on an unknown route', () => {
      // Act
      const error = refusal(routeAuditRequest(request({ httpMethod: 'DELETE', resource: '/cases/{caseId}/entries' })));

      // Assess
      expect(error.status).toBe(404);
    });
  });

  describe('bad parameters', () => {
    it.each([
      ['a missing employeeId', withQuery('/cases', []), 'employeeId'],
      ['an empty employeeId', withQuery('/cases', [['employeeId', '']]), 'employeeId'],
      ['an employeeId with a control character', withQuery('/cases', [['employeeId', 'emp\n1']]), 'employeeId'],
      ['an overlong employeeId', withQuery('/cases', [['employeeId', 'e'.repeat(513)]]), 'employeeId'],
      [
        'an unknown query parameter',
        withQuery('/cases', [
          ['employeeId', 'e'],
          ['employee', 'e'],
        ]),
        'employee',
      ],
      [
        'a repeated query parameter',
        withQuery('/cases', [
          ['employeeId', 'a'],
          ['employeeId', 'b'],
        ]),
        'employeeId',
      ],
      [
        'limit 0',
        withQuery('/cases', [
          ['employeeId', 'e'],
          ['limit', '0'],
        ]),
        'limit',
      ],
      [
        'a limit over the maximum',
        withQuery('/cases', [
          ['employeeId', 'e'],
          ['limit', String(MAX_PAGE_LIMIT + 1)],
        ]),
        'limit',
      ],
      [
        'a fractional limit',
        withQuery('/cases', [
          ['employeeId', 'e'],
          ['limit', '1.5'],
        ]),
        'limit',
      ],
      [
        'a negative limit',
        withQuery('/cases', [
          ['employeeId', 'e'],
          ['limit', '-3'],
        ]),
        'limit',
      ],
      [
        'a cursor with characters base64url has not',
        withQuery('/cases', [
          ['employeeId', 'e'],
          ['cursor', 'a+b/c='],
        ]),
        'cursor',
      ],
      [
        'an empty cursor',
        withQuery('/cases', [
          ['employeeId', 'e'],
          ['cursor', ''],
        ]),
        'cursor',
      ],
      [
        'a since Date.parse would accept but is not ISO-8601',
        withQuery('/cases', [
          ['employeeId', 'e'],
          ['since', '1'],
        ]),
        'since',
      ],
      [
        'an until that is no date',
        withQuery('/cases', [
          ['employeeId', 'e'],
          ['until', 'yesterday'],
        ]),
        'until',
      ],
      [
        'an impossible date',
        withQuery('/cases', [
          ['employeeId', 'e'],
          ['since', '2025-13-45'],
        ]),
        'since',
      ],
      [
        'until not after since',
        withQuery('/cases', [
          ['employeeId', 'e'],
          ['since', '2025-03-02'],
          ['until', '2025-03-01'],
        ]),
        'until',
      ],
      [
        'a query parameter on /cases/{caseId} it does not take',
        withQuery('/cases/{caseId}', [['since', '2025-03-01']], { caseId: 'c' }),
        'since',
      ],
      ['an empty caseId path parameter', request({ resource: '/cases/{caseId}', pathParameters: { caseId: '' } }), 'caseId'],
      ['an arn that is no ARN', request({ resource: '/resources/{arn+}', pathParameters: { arn: 'my-key/history' } }), 'arn'],
      ['an empty arn', request({ resource: '/resources/{arn+}', pathParameters: { arn: '/history' } }), 'arn'],
      [
        'an arn over 2048 bytes',
        request({ resource: '/resources/{arn+}', pathParameters: { arn: `${KEY_ARN}${'x'.repeat(2048)}/history` } }),
        'arn',
      ],
      ['an empty caseId on /verify', withQuery('/verify', [['caseId', '']]), 'caseId'],
      ['paging parameters on /verify', withQuery('/verify', [['limit', '5']]), 'limit'],
    ])('refuses %s with 400 naming the parameter', (_name, input, parameter) => {
      // Act
      const error = refusal(routeAuditRequest(input));

      // Assess
      expect(error).toMatchObject({ status: 400, code: 'ERR_BAD_PARAMETER', parameter });
      expect(error.message).toContain(parameter);
    });

    it('quotes a long bad value only in part', () => {
      // Act
      const error = refusal(
        routeAuditRequest(
          withQuery('/cases', [
            ['employeeId', 'e'],
            ['since', `2025${'9'.repeat(500)}`],
          ]),
        ),
      );

      // Assess
      expect(error.message.length).toBeLessThan(200);
    });
  });
});
