import { type Stack, Validations } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { buildSever, SYNTH_TIMEOUT_MS } from './helpers.js';

type Report = ReturnType<AwsSolutionsChecks['validateScope']>;

/** Findings as `rule @ construct path`, so a failure names exactly what to fix. */
function findings(report: Report): string[] {
  return report.violations.flatMap((violation) =>
    violation.violatingResources.map((resource) => `${violation.severity} ${violation.ruleName} @ ${resource.constructPath}`),
  );
}

/** Every acknowledgement recorded in the tree, with the construct it sits on. */
function acknowledgements(stack: Stack): Array<{ path: string; id: string; reason: string }> {
  return stack.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

describe('Class: AwsSolutionsChecks on SeverStack', { timeout: SYNTH_TIMEOUT_MS }, () => {
  it('reports no unacknowledged finding with the default configuration', () => {
    // Prepare
    const { stack } = buildSever();

    // Act
    const report = new AwsSolutionsChecks().validateScope(stack);

    // Assess
    expect(findings(report)).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('reports no unacknowledged finding with every option switched on', () => {
    // Prepare
    const { stack } = buildSever({
      context: {
        'sever:tracing': true,
        'sever:protectedPrincipalArns': ['arn:aws:iam::123456789012:role/BreakGlass'],
        'sever:jwksBucketArns': ['arn:aws:s3:::acme-jwks', 'arn:aws:s3:::shared/jwks/*'],
        'sever:webhookAllowedCidrs': ['203.0.113.0/24'],
        'sever:alarmEmails': ['sec@example.com'],
        'sever:manageApiGatewayAccount': false,
        'sever:reservedConcurrency': false,
      },
    });

    // Act
    const report = new AwsSolutionsChecks().validateScope(stack);

    // Assess
    expect(findings(report)).toEqual([]);
  });

  it('acknowledges only specific findings, each with a reason', () => {
    // Prepare
    const { stack } = buildSever();

    // Act
    const acks = acknowledgements(stack);

    // Assess
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.id, ack.path).toMatch(/^AwsSolutions-[A-Z]+\d+(\[.+\])?$/);
      expect(ack.reason.length, `${ack.path} ${ack.id}`).toBeGreaterThan(40);
      // A bare IAM5 acknowledgement would hide every wildcard on the construct.
      expect(ack.id, ack.path).not.toBe('AwsSolutions-IAM5');
    }
    // Nothing is waved through for the whole stack.
    expect(acks.filter((ack) => ack.path === stack.node.path)).toEqual([]);
  });

  it('would report a finding the stack does not acknowledge', () => {
    // Prepare: the same checks must fail on an unencrypted queue without a DLQ
    const { stack } = buildSever();
    new Queue(stack, 'UncheckedQueue');

    // Act
    const report = new AwsSolutionsChecks().validateScope(stack);

    // Assess
    expect(findings(report)).toEqual(expect.arrayContaining([expect.stringMatching(/^error AwsSolutions-SQS3 @ Sever\/UncheckedQueue/)]));
  });
});
