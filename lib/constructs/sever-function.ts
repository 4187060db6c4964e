import { type Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Policy, type PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { LOCK_FILE, REPO_ROOT } from '../paths.js';
import { SEVER_IAM_PATH } from '../permissions.js';

/**
 * ESM bundles have no `require`; some CommonJS dependencies call it for Node built-ins. The
 * banner gives the bundle a real one.
 */
const ESM_REQUIRE_BANNER =
  "import { createRequire as __severCreateRequire } from 'node:module'; const require = __severCreateRequire(import.meta.url);";

/** Props of {@link SeverFunction}. */
export interface SeverFunctionProps {
  /** Absolute path of the TypeScript entry file; its `handler` export is the Lambda handler. */
  readonly entry: string;
  /** What the function does, shown on the function and its role. */
  readonly description: string;
  /** @default 256 */
  readonly memorySize?: number;
  readonly timeout: Duration;
  /** @default {} */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Reserved concurrency: a ceiling on how many copies run at once.
   * @default - none; the function shares the account's unreserved pool
   */
  readonly reservedConcurrentExecutions?: number;
  /** Retention of the function's log group, in days. */
  readonly logRetentionDays: number;
  /** Active X-Ray tracing. */
  readonly tracing: boolean;
  /** Explicit denies every Sever role carries (see `selfProtectionStatements`). */
  readonly guard: readonly PolicyStatement[];
}

/**
 * A Sever Lambda function: Node.js 22 on ARM64, bundled by the local esbuild as ESM with source
 * maps, with its own role under `/sever/` that starts with nothing but write access to its own
 * log group and the self-protection denies. Callers add every other permission by hand.
 *
 * @example
 * ```ts
 * const digest = new SeverFunction(this, 'Digest', {
 *   entry: handlerEntry('digest'),
 *   description: 'Signs a digest of every case head',
 *   timeout: Duration.minutes(2),
 *   logRetentionDays: 365,
 *   tracing: false,
 *   guard: selfProtectionStatements(this, targets),
 * });
 * digest.addToRolePolicy(new PolicyStatement({ actions: ['kms:Sign'], resources: [key.keyArn] }));
 * ```
 */
export class SeverFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: SeverFunctionProps) {
    super(scope, id);

    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      path: SEVER_IAM_PATH,
      description: `Sever: ${props.description}`,
    });
    // Kept after a stack deletion: these logs are evidence of what Sever did.
    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetentionDays,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // The log group already exists, so the function needs no logs:CreateLogGroup and no
    // AWSLambdaBasicExecutionRole: only writing into its own group.
    this.logGroup.grantWrite(this.role);
    for (const statement of props.guard) this.role.addToPrincipalPolicy(statement);

    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      tracing: props.tracing ? Tracing.ACTIVE : Tracing.DISABLED,
      environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
      projectRoot: REPO_ROOT,
      depsLockFilePath: LOCK_FILE,
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: 'node22',
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        minify: true,
        sourceMap: true,
        sourceMapMode: SourceMapMode.DEFAULT,
        sourcesContent: false,
        // Bundle the AWS SDK too: the versions the tests ran against, not whatever the runtime ships.
        externalModules: [],
        logLevel: LogLevel.WARNING,
      },
    });

    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Node.js 22 is the runtime the code is built and tested for (esbuild target node22); moving to a newer runtime is a tested upgrade, not a default.',
    });
    if (props.tracing) {
      Validations.of(this.role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions; any other "*" resource on this role is acknowledged where it is granted.',
      });
    }
  }

  /** Adds an allow (or deny) to this function's role. */
  addToRolePolicy(statement: PolicyStatement): void {
    this.role.addToPrincipalPolicy(statement);
  }

  /**
   * Attaches statements as a separate policy beside the role. Use it for statements that name
   * this function itself: in the role's default policy they would form a dependency cycle.
   */
  attachPolicy(id: string, statements: readonly PolicyStatement[]): Policy {
    return new Policy(this, id, { roles: [this.role], statements: [...statements] });
  }

  /** The function's ARN, for policies that must name it. */
  get functionArn(): string {
    return this.function.functionArn;
  }
}
