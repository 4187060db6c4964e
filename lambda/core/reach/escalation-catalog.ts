/**
 * Privilege-escalation techniques the reach engine follows, as data.
 *
 * Every technique of the public AWS escalation-path catalogue (pathfinding.cloud, Apache-2.0) is
 * here under the same id, described in our own words; Sever adds a few of its own (`sever-…`).
 * The engine turns each entry's `outcome` into graph edges; composite entries (an escalation of
 * another principal followed by becoming it) need no code of their own because the engine chains
 * their steps, and are kept so the catalogue is complete and each has its own test fixture.
 *
 * Where the public catalogue lists a permission that only helps discovery (ec2:DescribeInstances
 * for EC2 Instance Connect, the Get/List calls), it is not required here: requiring more than the
 * attack needs would hide reach.
 */

export type EscalationCategory = 'principal-access' | 'self-escalation' | 'new-passrole' | 'existing-passrole' | 'boundary';

/** What a required permission must be allowed on. */
export type PermissionTarget =
  | 'target-user'
  | 'target-role'
  | 'target-group'
  | 'attached-policy'
  | 'boundary-policy'
  | 'passed-role'
  | 'workload'
  | 'signing-material';

export interface RequiredPermission {
  readonly action: string;
  readonly on: PermissionTarget;
  /**
   * For `workload`: the ARN shape the action is authorised against, with `{partition}`,
   * `{region}` and `{account}` placeholders and `*` where the attacker picks the name.
   */
  readonly arn?: string;
}

export type CredentialTechnique = 'access-key' | 'access-key-replace' | 'create-login-profile' | 'update-login-profile';

/** How the engine turns a technique into reach. */
export type EscalationOutcome =
  /** Become the role: its trust policy and the attacker's identity policies allow sts:AssumeRole. */
  | { readonly kind: 'assume-role' }
  /** Rewrite the role's trust policy to name the attacker, then assume it. */
  | { readonly kind: 'rewrite-trust' }
  /** Mint credentials for the user and act as it. */
  | { readonly kind: 'user-credentials'; readonly credential: CredentialTechnique }
  /** Give every principal the target governs an identity layer that allows everything. */
  | { readonly kind: 'escalate-identity'; readonly target: 'user' | 'role' | 'group' | 'managed-policy' }
  /** Put a user the attacker acts as into the target group. */
  | { readonly kind: 'join-group' }
  /** Stop the target's permissions boundary from limiting it. */
  | { readonly kind: 'remove-boundary'; readonly target: 'user' | 'role' | 'managed-policy' }
  /** Run code as a role that a compute service may assume. */
  | {
      readonly kind: 'workload-role';
      readonly servicePrincipals: readonly string[];
      /** true: the attacker passes the role (iam:PassRole on it); false: the role is already attached to an existing workload. */
      readonly passRole: boolean;
    }
  /**
   * Choose the `aws:PrincipalTag` values the target is evaluated with: by tagging it, or by
   * passing session tags when becoming it (`self`: a session of the attacker's own user).
   */
  | { readonly kind: 'choose-tags'; readonly target: 'user' | 'role' | 'self' }
  /**
   * Choose the `aws:ResourceTag` values a signing key, secret or parameter, or a role or user the
   * attacker acts on, is evaluated with, by tagging it.
   */
  | { readonly kind: 'choose-resource-tags'; readonly target: 'signing-material' | 'role' | 'user' }
  /** Chains other techniques; the engine composes them, nothing to do on its own. */
  | { readonly kind: 'composite'; readonly steps: readonly string[] };

export interface EscalationPath {
  readonly id: string;
  readonly title: string;
  readonly category: EscalationCategory;
  /** How the technique works, in one or two sentences. */
  readonly summary: string;
  /** Every permission the technique needs; the engine requires all of them. */
  readonly permissions: readonly RequiredPermission[];
  /** What the attacker ends up acting as. */
  readonly becomes: string;
  readonly outcome: EscalationOutcome;
  /**
   * A precondition the snapshot cannot show (an existing workload, an instance profile …).
   * Reach through the technique is reported as conditional with this text, never dropped.
   */
  readonly assumes?: string;
  /** true when the technique is in the public catalogue under this id; false for Sever's additions. */
  readonly published: boolean;
}

const LAMBDA = ['lambda.amazonaws.com'] as const;
const EC2 = ['ec2.amazonaws.com'] as const;
const ECS = ['ecs-tasks.amazonaws.com'] as const;
const CFN = ['cloudformation.amazonaws.com'] as const;
const CODEBUILD = ['codebuild.amazonaws.com'] as const;
const GLUE = ['glue.amazonaws.com'] as const;
const SAGEMAKER = ['sagemaker.amazonaws.com'] as const;
const DATAPIPELINE = ['datapipeline.amazonaws.com', 'elasticmapreduce.amazonaws.com'] as const;
const APPRUNNER = ['tasks.apprunner.amazonaws.com'] as const;
const AGENTCORE = ['bedrock-agentcore.amazonaws.com'] as const;

const ARN = {
  lambdaFunction: 'arn:{partition}:lambda:{region}:{account}:function:*',
  lambdaEventSourceMapping: 'arn:{partition}:lambda:{region}:{account}:event-source-mapping:*',
  ec2Instance: 'arn:{partition}:ec2:{region}:{account}:instance/*',
  ec2SpotRequest: 'arn:{partition}:ec2:{region}:{account}:spot-instances-request/*',
  ec2LaunchTemplate: 'arn:{partition}:ec2:{region}:{account}:launch-template/*',
  ecsCluster: 'arn:{partition}:ecs:{region}:{account}:cluster/*',
  ecsService: 'arn:{partition}:ecs:{region}:{account}:service/*',
  ecsTaskDefinition: 'arn:{partition}:ecs:{region}:{account}:task-definition/*',
  cfnStack: 'arn:{partition}:cloudformation:{region}:{account}:stack/*',
  cfnStackSet: 'arn:{partition}:cloudformation:{region}:{account}:stackset/*',
  codebuildProject: 'arn:{partition}:codebuild:{region}:{account}:project/*',
  glueDevEndpoint: 'arn:{partition}:glue:{region}:{account}:devEndpoint/*',
  glueJob: 'arn:{partition}:glue:{region}:{account}:job/*',
  glueTrigger: 'arn:{partition}:glue:{region}:{account}:trigger/*',
  sagemakerNotebook: 'arn:{partition}:sagemaker:{region}:{account}:notebook-instance/*',
  sagemakerLifecycleConfig: 'arn:{partition}:sagemaker:{region}:{account}:notebook-instance-lifecycle-config/*',
  sagemakerTrainingJob: 'arn:{partition}:sagemaker:{region}:{account}:training-job/*',
  sagemakerProcessingJob: 'arn:{partition}:sagemaker:{region}:{account}:processing-job/*',
  dataPipeline: 'arn:{partition}:datapipeline:{region}:{account}:pipeline/*',
  appRunnerService: 'arn:{partition}:apprunner:{region}:{account}:service/*',
  federatedUser: 'arn:{partition}:sts::{account}:federated-user/*',
  codeInterpreter: 'arn:{partition}:bedrock-agentcore:{region}:{account}:code-interpreter-custom/*',
} as const;

const passRole = { action: 'iam:PassRole', on: 'passed-role' } as const satisfies RequiredPermission;
const on = (action: string, arn: string): RequiredPermission => ({ action, on: 'workload', arn });

const workload = (servicePrincipals: readonly string[], passes: boolean): EscalationOutcome => ({
  kind: 'workload-role',
  servicePrincipals,
  passRole: passes,
});

/** The catalogue, in id order. */
export const ESCALATION_CATALOG: readonly EscalationPath[] = [
  {
    id: 'apprunner-001',
    title: 'Pass a role to a new App Runner service',
    category: 'new-passrole',
    summary:
      'Create an App Runner service whose instance role is a role the attacker may pass; the start command or the container then runs with that role.',
    permissions: [passRole, on('apprunner:CreateService', ARN.appRunnerService)],
    becomes: 'a role trusting tasks.apprunner.amazonaws.com',
    outcome: workload(APPRUNNER, true),
    published: true,
  },
  {
    id: 'apprunner-002',
    title: 'Take over an existing App Runner service',
    category: 'existing-passrole',
    summary:
      'Change the image or start command of an App Runner service that already has an instance role; the new code runs as that role.',
    permissions: [on('apprunner:UpdateService', ARN.appRunnerService)],
    becomes: 'the instance role of an existing App Runner service',
    outcome: workload(APPRUNNER, false),
    assumes: 'an App Runner service runs with this role as its instance role',
    published: true,
  },
  {
    id: 'bedrock-001',
    title: 'Pass a role to a new Bedrock AgentCore code interpreter',
    category: 'new-passrole',
    summary:
      'Create a code interpreter with a passed execution role, open a session and run code that reads the role credentials from the micro-VM metadata service.',
    permissions: [
      passRole,
      on('bedrock-agentcore:CreateCodeInterpreter', ARN.codeInterpreter),
      on('bedrock-agentcore:StartCodeInterpreterSession', ARN.codeInterpreter),
      on('bedrock-agentcore:InvokeCodeInterpreter', ARN.codeInterpreter),
    ],
    becomes: 'a role trusting bedrock-agentcore.amazonaws.com',
    outcome: workload(AGENTCORE, true),
    published: true,
  },
  {
    id: 'bedrock-002',
    title: 'Run code in an existing Bedrock AgentCore code interpreter',
    category: 'existing-passrole',
    summary: 'Open a session in a code interpreter that already has an execution role and run code that reads its credentials.',
    permissions: [
      on('bedrock-agentcore:StartCodeInterpreterSession', ARN.codeInterpreter),
      on('bedrock-agentcore:InvokeCodeInterpreter', ARN.codeInterpreter),
    ],
    becomes: 'the execution role of an existing code interpreter',
    outcome: workload(AGENTCORE, false),
    assumes: 'a Bedrock AgentCore code interpreter runs with this role',
    published: true,
  },
  {
    id: 'cloudformation-001',
    title: 'Pass a role to a new CloudFormation stack',
    category: 'new-passrole',
    summary:
      'Create a stack with a passed service role; the template creates whatever that role may create, such as a user with keys or a role trusting the attacker.',
    permissions: [passRole, on('cloudformation:CreateStack', ARN.cfnStack)],
    becomes: 'a role trusting cloudformation.amazonaws.com',
    outcome: workload(CFN, true),
    published: true,
  },
  {
    id: 'cloudformation-002',
    title: 'Update an existing CloudFormation stack',
    category: 'existing-passrole',
    summary:
      "Replace the template of a stack that has a service role; CloudFormation applies the new resources with that role's permissions.",
    permissions: [on('cloudformation:UpdateStack', ARN.cfnStack)],
    becomes: 'the service role of an existing stack',
    outcome: workload(CFN, false),
    assumes: 'a CloudFormation stack uses this role as its service role',
    published: true,
  },
  {
    id: 'cloudformation-003',
    title: 'Pass a role to a new StackSet and deploy it',
    category: 'new-passrole',
    summary:
      'Define a StackSet with a passed role and deploy stack instances; the instances create resources with the permissions of the StackSet roles.',
    permissions: [
      passRole,
      on('cloudformation:CreateStackSet', ARN.cfnStackSet),
      on('cloudformation:CreateStackInstances', ARN.cfnStackSet),
    ],
    becomes: 'a role trusting cloudformation.amazonaws.com (and what it may assume)',
    outcome: workload(CFN, true),
    published: true,
  },
  {
    id: 'cloudformation-004',
    title: 'Update an existing StackSet',
    category: 'new-passrole',
    summary:
      "Change the template of a StackSet (passing its administration role) so its deployments create resources with the StackSet roles' permissions.",
    permissions: [passRole, on('cloudformation:UpdateStackSet', ARN.cfnStackSet)],
    becomes: 'a role trusting cloudformation.amazonaws.com (and what it may assume)',
    outcome: workload(CFN, true),
    assumes: 'a StackSet exists that the attacker may update',
    published: true,
  },
  {
    id: 'cloudformation-005',
    title: 'Create and execute a change set on an existing stack',
    category: 'new-passrole',
    summary:
      "Create a change set on a stack that has a service role and execute it; the changes are applied with the service role's permissions.",
    permissions: [on('cloudformation:CreateChangeSet', ARN.cfnStack), on('cloudformation:ExecuteChangeSet', ARN.cfnStack)],
    becomes: 'the service role of an existing stack',
    outcome: workload(CFN, false),
    assumes: 'a CloudFormation stack uses this role as its service role',
    published: true,
  },
  {
    id: 'codebuild-001',
    title: 'Pass a role to a new CodeBuild project and build',
    category: 'new-passrole',
    summary: 'Create a project with a passed service role and start a build whose buildspec runs the attacker’s commands as that role.',
    permissions: [passRole, on('codebuild:CreateProject', ARN.codebuildProject), on('codebuild:StartBuild', ARN.codebuildProject)],
    becomes: 'a role trusting codebuild.amazonaws.com',
    outcome: workload(CODEBUILD, true),
    published: true,
  },
  {
    id: 'codebuild-002',
    title: 'Start a build with an overridden buildspec',
    category: 'existing-passrole',
    summary: 'Start a build of an existing project with a buildspec override; the commands run with the project service role.',
    permissions: [on('codebuild:StartBuild', ARN.codebuildProject)],
    becomes: 'the service role of an existing CodeBuild project',
    outcome: workload(CODEBUILD, false),
    assumes: 'a CodeBuild project uses this role as its service role',
    published: true,
  },
  {
    id: 'codebuild-003',
    title: 'Start a batch build with an overridden buildspec',
    category: 'existing-passrole',
    summary: 'Like a single build, but through a batch build of an existing project; the commands run with the project service role.',
    permissions: [on('codebuild:StartBuildBatch', ARN.codebuildProject)],
    becomes: 'the service role of an existing CodeBuild project',
    outcome: workload(CODEBUILD, false),
    assumes: 'a CodeBuild project configured for batch builds uses this role as its service role',
    published: true,
  },
  {
    id: 'codebuild-004',
    title: 'Pass a role to a new CodeBuild project and batch-build',
    category: 'new-passrole',
    summary:
      'Create a batch-capable project with a passed service role and start a batch build that runs the attacker’s commands as that role.',
    permissions: [passRole, on('codebuild:CreateProject', ARN.codebuildProject), on('codebuild:StartBuildBatch', ARN.codebuildProject)],
    becomes: 'a role trusting codebuild.amazonaws.com',
    outcome: workload(CODEBUILD, true),
    published: true,
  },
  {
    id: 'datapipeline-001',
    title: 'Pass a role to a new Data Pipeline',
    category: 'new-passrole',
    summary: 'Create, define and activate a pipeline whose shell activity runs with a passed role.',
    permissions: [
      passRole,
      on('datapipeline:CreatePipeline', ARN.dataPipeline),
      on('datapipeline:PutPipelineDefinition', ARN.dataPipeline),
      on('datapipeline:ActivatePipeline', ARN.dataPipeline),
    ],
    becomes: 'a role trusting datapipeline.amazonaws.com or elasticmapreduce.amazonaws.com',
    outcome: workload(DATAPIPELINE, true),
    published: true,
  },
  {
    id: 'ec2-001',
    title: 'Pass a role to a new EC2 instance',
    category: 'new-passrole',
    summary:
      'Launch an instance with an instance profile of a passed role; user data or a shell on it reads the role credentials from the metadata service.',
    permissions: [passRole, on('ec2:RunInstances', ARN.ec2Instance)],
    becomes: 'a role trusting ec2.amazonaws.com',
    outcome: workload(EC2, true),
    assumes: 'the role has an instance profile',
    published: true,
  },
  {
    id: 'ec2-002',
    title: 'Rewrite the user data of an existing instance',
    category: 'existing-passrole',
    summary:
      'Stop an instance, replace its user data with a script that runs on every boot, and start it again; the script runs with the instance role.',
    permissions: [
      on('ec2:ModifyInstanceAttribute', ARN.ec2Instance),
      on('ec2:StopInstances', ARN.ec2Instance),
      on('ec2:StartInstances', ARN.ec2Instance),
    ],
    becomes: 'the role of an existing EC2 instance',
    outcome: workload(EC2, false),
    assumes: 'an EC2 instance runs with this role through an instance profile',
    published: true,
  },
  {
    id: 'ec2-003',
    title: 'Pass a role to a new Spot instance',
    category: 'new-passrole',
    summary: 'Request a Spot instance with an instance profile of a passed role; same effect as launching an on-demand instance.',
    permissions: [passRole, on('ec2:RequestSpotInstances', ARN.ec2SpotRequest)],
    becomes: 'a role trusting ec2.amazonaws.com',
    outcome: workload(EC2, true),
    assumes: 'the role has an instance profile',
    published: true,
  },
  {
    id: 'ec2-004',
    title: 'Poison a launch template that carries a role',
    category: 'existing-passrole',
    summary:
      'Add a launch-template version that keeps the instance profile but injects user data, and make it the default; the next launch runs it with the role.',
    permissions: [on('ec2:CreateLaunchTemplateVersion', ARN.ec2LaunchTemplate), on('ec2:ModifyLaunchTemplate', ARN.ec2LaunchTemplate)],
    becomes: 'the role named by an existing launch template',
    outcome: workload(EC2, false),
    assumes: 'a launch template in use names an instance profile of this role',
    published: true,
  },
  {
    id: 'ec2instanceconnect-003',
    title: 'Push an SSH key to an instance with EC2 Instance Connect',
    category: 'existing-passrole',
    summary: 'Send a temporary SSH public key to an instance, log in, and read the instance role credentials from the metadata service.',
    permissions: [on('ec2-instance-connect:SendSSHPublicKey', ARN.ec2Instance)],
    becomes: 'the role of an existing EC2 instance',
    outcome: workload(EC2, false),
    assumes: 'an EC2 instance with Instance Connect and network access runs with this role',
    published: true,
  },
  {
    id: 'ecs-001',
    title: 'Create a cluster and an ECS service with a passed task role',
    category: 'new-passrole',
    summary:
      'Create a cluster, register a task definition with a passed task role and run it as a service; the container runs as the role.',
    permissions: [
      passRole,
      on('ecs:CreateCluster', ARN.ecsCluster),
      on('ecs:RegisterTaskDefinition', ARN.ecsTaskDefinition),
      on('ecs:CreateService', ARN.ecsService),
    ],
    becomes: 'a role trusting ecs-tasks.amazonaws.com',
    outcome: workload(ECS, true),
    published: true,
  },
  {
    id: 'ecs-002',
    title: 'Create a cluster and run an ECS task with a passed task role',
    category: 'new-passrole',
    summary: 'Create a cluster, register a task definition with a passed task role and run it as a task.',
    permissions: [
      passRole,
      on('ecs:CreateCluster', ARN.ecsCluster),
      on('ecs:RegisterTaskDefinition', ARN.ecsTaskDefinition),
      on('ecs:RunTask', ARN.ecsTaskDefinition),
    ],
    becomes: 'a role trusting ecs-tasks.amazonaws.com',
    outcome: workload(ECS, true),
    published: true,
  },
  {
    id: 'ecs-003',
    title: 'Create an ECS service with a passed task role',
    category: 'new-passrole',
    summary: 'Register a task definition with a passed task role and run it as a service in an existing cluster.',
    permissions: [passRole, on('ecs:RegisterTaskDefinition', ARN.ecsTaskDefinition), on('ecs:CreateService', ARN.ecsService)],
    becomes: 'a role trusting ecs-tasks.amazonaws.com',
    outcome: workload(ECS, true),
    assumes: 'an ECS cluster exists',
    published: true,
  },
  {
    id: 'ecs-004',
    title: 'Run an ECS task with a passed task role',
    category: 'new-passrole',
    summary: 'Register a task definition with a passed task role and run it in an existing cluster.',
    permissions: [passRole, on('ecs:RegisterTaskDefinition', ARN.ecsTaskDefinition), on('ecs:RunTask', ARN.ecsTaskDefinition)],
    becomes: 'a role trusting ecs-tasks.amazonaws.com',
    outcome: workload(ECS, true),
    assumes: 'an ECS cluster exists',
    published: true,
  },
  {
    id: 'ecs-005',
    title: 'Start an ECS task on a container instance with a passed task role',
    category: 'new-passrole',
    summary: 'Register a task definition with a passed task role and start it on a chosen EC2 container instance.',
    permissions: [passRole, on('ecs:RegisterTaskDefinition', ARN.ecsTaskDefinition), on('ecs:StartTask', ARN.ecsTaskDefinition)],
    becomes: 'a role trusting ecs-tasks.amazonaws.com',
    outcome: workload(ECS, true),
    assumes: 'an ECS cluster with a registered EC2 container instance exists',
    published: true,
  },
  {
    id: 'glue-001',
    title: 'Pass a role to a new Glue development endpoint',
    category: 'new-passrole',
    summary: 'Create a development endpoint with a passed role and log in to it over SSH; code there runs as the role.',
    permissions: [passRole, on('glue:CreateDevEndpoint', ARN.glueDevEndpoint)],
    becomes: 'a role trusting glue.amazonaws.com',
    outcome: workload(GLUE, true),
    published: true,
  },
  {
    id: 'glue-002',
    title: 'Add an SSH key to an existing Glue development endpoint',
    category: 'existing-passrole',
    summary: 'Update a development endpoint with the attacker’s SSH public key and log in; code runs with the endpoint role.',
    permissions: [on('glue:UpdateDevEndpoint', ARN.glueDevEndpoint)],
    becomes: 'the role of an existing Glue development endpoint',
    outcome: workload(GLUE, false),
    assumes: 'a Glue development endpoint runs with this role',
    published: true,
  },
  {
    id: 'glue-003',
    title: 'Create and run a Glue job with a passed role',
    category: 'new-passrole',
    summary: 'Create a job whose script the attacker controls, with a passed role, and start a run.',
    permissions: [passRole, on('glue:CreateJob', ARN.glueJob), on('glue:StartJobRun', ARN.glueJob)],
    becomes: 'a role trusting glue.amazonaws.com',
    outcome: workload(GLUE, true),
    published: true,
  },
  {
    id: 'glue-004',
    title: 'Create a Glue job with a passed role and a trigger',
    category: 'new-passrole',
    summary: 'Create a job with a passed role and a trigger that starts it on creation or on a schedule.',
    permissions: [passRole, on('glue:CreateJob', ARN.glueJob), on('glue:CreateTrigger', ARN.glueTrigger)],
    becomes: 'a role trusting glue.amazonaws.com',
    outcome: workload(GLUE, true),
    published: true,
  },
  {
    id: 'glue-005',
    title: 'Repoint an existing Glue job and run it',
    category: 'new-passrole',
    summary: 'Update an existing job to use a passed role and the attacker’s script, then start a run.',
    permissions: [passRole, on('glue:UpdateJob', ARN.glueJob), on('glue:StartJobRun', ARN.glueJob)],
    becomes: 'a role trusting glue.amazonaws.com',
    outcome: workload(GLUE, true),
    assumes: 'a Glue job exists that the attacker may update',
    published: true,
  },
  {
    id: 'glue-006',
    title: 'Repoint an existing Glue job and trigger it',
    category: 'new-passrole',
    summary: 'Update an existing job to use a passed role and the attacker’s script, then create a trigger that runs it.',
    permissions: [passRole, on('glue:UpdateJob', ARN.glueJob), on('glue:CreateTrigger', ARN.glueTrigger)],
    becomes: 'a role trusting glue.amazonaws.com',
    outcome: workload(GLUE, true),
    assumes: 'a Glue job exists that the attacker may update',
    published: true,
  },
  {
    id: 'iam-001',
    title: 'Write a new default version of an attached managed policy',
    category: 'self-escalation',
    summary:
      'Create a new version of a customer-managed policy, set as default, that allows everything; every user, group and role it is attached to gains it.',
    permissions: [{ action: 'iam:CreatePolicyVersion', on: 'attached-policy' }],
    becomes: 'every principal the policy is attached to, with an identity layer that allows everything',
    outcome: { kind: 'escalate-identity', target: 'managed-policy' },
    published: true,
  },
  {
    id: 'iam-002',
    title: 'Create an access key for another user',
    category: 'principal-access',
    summary: 'Mint an access key for a user that has fewer than two and act as that user.',
    permissions: [{ action: 'iam:CreateAccessKey', on: 'target-user' }],
    becomes: 'the target user',
    outcome: { kind: 'user-credentials', credential: 'access-key' },
    published: true,
  },
  {
    id: 'iam-003',
    title: 'Replace an access key of a user that already has two',
    category: 'principal-access',
    summary: 'Delete one of the two access keys a user already has, mint a new one, and act as the user.',
    permissions: [
      { action: 'iam:CreateAccessKey', on: 'target-user' },
      { action: 'iam:DeleteAccessKey', on: 'target-user' },
    ],
    becomes: 'the target user',
    outcome: { kind: 'user-credentials', credential: 'access-key-replace' },
    published: true,
  },
  {
    id: 'iam-004',
    title: 'Give a user a console password',
    category: 'principal-access',
    summary: 'Create a login profile (password) for a user that has none and sign in to the console as it.',
    permissions: [{ action: 'iam:CreateLoginProfile', on: 'target-user' }],
    becomes: 'the target user',
    outcome: { kind: 'user-credentials', credential: 'create-login-profile' },
    published: true,
  },
  {
    id: 'iam-005',
    title: 'Add an inline policy to a role',
    category: 'self-escalation',
    summary: 'Put an inline policy that allows everything on a role; the role (the attacker’s own, or one they can become) gains it.',
    permissions: [{ action: 'iam:PutRolePolicy', on: 'target-role' }],
    becomes: 'the target role, with an identity layer that allows everything',
    outcome: { kind: 'escalate-identity', target: 'role' },
    published: true,
  },
  {
    id: 'iam-006',
    title: 'Reset a user’s console password',
    category: 'principal-access',
    summary: 'Change the password of a user that already has a login profile and sign in as it.',
    permissions: [{ action: 'iam:UpdateLoginProfile', on: 'target-user' }],
    becomes: 'the target user',
    outcome: { kind: 'user-credentials', credential: 'update-login-profile' },
    published: true,
  },
  {
    id: 'iam-007',
    title: 'Add an inline policy to a user',
    category: 'self-escalation',
    summary: 'Put an inline policy that allows everything on a user; the user (the attacker, or one they can become) gains it.',
    permissions: [{ action: 'iam:PutUserPolicy', on: 'target-user' }],
    becomes: 'the target user, with an identity layer that allows everything',
    outcome: { kind: 'escalate-identity', target: 'user' },
    published: true,
  },
  {
    id: 'iam-008',
    title: 'Attach a managed policy to a user',
    category: 'self-escalation',
    summary: 'Attach AdministratorAccess (or any broad managed policy) to a user.',
    permissions: [{ action: 'iam:AttachUserPolicy', on: 'target-user' }],
    becomes: 'the target user, with an identity layer that allows everything',
    outcome: { kind: 'escalate-identity', target: 'user' },
    published: true,
  },
  {
    id: 'iam-009',
    title: 'Attach a managed policy to a role',
    category: 'self-escalation',
    summary: 'Attach AdministratorAccess (or any broad managed policy) to a role.',
    permissions: [{ action: 'iam:AttachRolePolicy', on: 'target-role' }],
    becomes: 'the target role, with an identity layer that allows everything',
    outcome: { kind: 'escalate-identity', target: 'role' },
    published: true,
  },
  {
    id: 'iam-010',
    title: 'Attach a managed policy to a group',
    category: 'self-escalation',
    summary: 'Attach a broad managed policy to a group; every member, the attacker included if they belong to it, gains it.',
    permissions: [{ action: 'iam:AttachGroupPolicy', on: 'target-group' }],
    becomes: 'every member of the group, with an identity layer that allows everything',
    outcome: { kind: 'escalate-identity', target: 'group' },
    published: true,
  },
  {
    id: 'iam-011',
    title: 'Add an inline policy to a group',
    category: 'self-escalation',
    summary: 'Put an inline policy that allows everything on a group; every member gains it.',
    permissions: [{ action: 'iam:PutGroupPolicy', on: 'target-group' }],
    becomes: 'every member of the group, with an identity layer that allows everything',
    outcome: { kind: 'escalate-identity', target: 'group' },
    published: true,
  },
  {
    id: 'iam-012',
    title: 'Rewrite a role’s trust policy',
    category: 'principal-access',
    summary:
      'Replace the trust policy of a role with one naming the attacker, then assume it (naming the principal needs no sts:AssumeRole permission).',
    permissions: [{ action: 'iam:UpdateAssumeRolePolicy', on: 'target-role' }],
    becomes: 'the target role',
    outcome: { kind: 'rewrite-trust' },
    published: true,
  },
  {
    id: 'iam-013',
    title: 'Join a group',
    category: 'self-escalation',
    summary: 'Add a user the attacker acts as to a group and gain the group’s policies.',
    permissions: [{ action: 'iam:AddUserToGroup', on: 'target-group' }],
    becomes: 'the attacker’s user with the group’s policies added',
    outcome: { kind: 'join-group' },
    published: true,
  },
  {
    id: 'iam-014',
    title: 'Attach a managed policy to another role, then assume it',
    category: 'principal-access',
    summary: 'Make a role the attacker may assume allow everything by attaching a policy, then assume it.',
    permissions: [
      { action: 'iam:AttachRolePolicy', on: 'target-role' },
      { action: 'sts:AssumeRole', on: 'target-role' },
    ],
    becomes: 'the target role, with an identity layer that allows everything',
    outcome: { kind: 'composite', steps: ['iam-009', 'sts-001'] },
    published: true,
  },
  {
    id: 'iam-015',
    title: 'Attach a managed policy to another user, then mint its access key',
    category: 'principal-access',
    summary: 'Make another user allow everything by attaching a policy, then create an access key for it.',
    permissions: [
      { action: 'iam:AttachUserPolicy', on: 'target-user' },
      { action: 'iam:CreateAccessKey', on: 'target-user' },
    ],
    becomes: 'the target user, with an identity layer that allows everything',
    outcome: { kind: 'composite', steps: ['iam-008', 'iam-002'] },
    published: true,
  },
  {
    id: 'iam-016',
    title: 'Rewrite a policy attached to another role, then assume it',
    category: 'principal-access',
    summary: 'Create a permissive default version of a customer-managed policy attached to a role the attacker may assume, then assume it.',
    permissions: [
      { action: 'iam:CreatePolicyVersion', on: 'attached-policy' },
      { action: 'sts:AssumeRole', on: 'target-role' },
    ],
    becomes: 'the target role, with an identity layer that allows everything',
    outcome: { kind: 'composite', steps: ['iam-001', 'sts-001'] },
    published: true,
  },
  {
    id: 'iam-017',
    title: 'Add an inline policy to another role, then assume it',
    category: 'principal-access',
    summary: 'Put a permissive inline policy on a role the attacker may assume, then assume it.',
    permissions: [
      { action: 'iam:PutRolePolicy', on: 'target-role' },
      { action: 'sts:AssumeRole', on: 'target-role' },
    ],
    becomes: 'the target role, with an identity layer that allows everything',
    outcome: { kind: 'composite', steps: ['iam-005', 'sts-001'] },
    published: true,
  },
  {
    id: 'iam-018',
    title: 'Add an inline policy to another user, then mint its access key',
    category: 'principal-access',
    summary: 'Put a permissive inline policy on another user, then create an access key for it.',
    permissions: [
      { action: 'iam:PutUserPolicy', on: 'target-user' },
      { action: 'iam:CreateAccessKey', on: 'target-user' },
    ],
    becomes: 'the target user, with an identity layer that allows everything',
    outcome: { kind: 'composite', steps: ['iam-007', 'iam-002'] },
    published: true,
  },
  {
    id: 'iam-019',
    title: 'Attach a managed policy to a role and rewrite its trust',
    category: 'principal-access',
    summary:
      'Attach a broad policy to any role and make its trust policy name the attacker; no prior trust or sts:AssumeRole permission needed.',
    permissions: [
      { action: 'iam:AttachRolePolicy', on: 'target-role' },
      { action: 'iam:UpdateAssumeRolePolicy', on: 'target-role' },
    ],
    becomes: 'the target role, with an identity layer that allows everything',
    outcome: { kind: 'composite', steps: ['iam-009', 'iam-012'] },
    published: true,
  },
  {
    id: 'iam-020',
    title: 'Rewrite a policy attached to a role and the role’s trust',
    category: 'principal-access',
    summary: 'Create a permissive default version of a policy attached to a role, and make the role’s trust policy name the attacker.',
    permissions: [
      { action: 'iam:CreatePolicyVersion', on: 'attached-policy' },
      { action: 'iam:UpdateAssumeRolePolicy', on: 'target-role' },
    ],
    becomes: 'the target role, with an identity layer that allows everything',
    outcome: { kind: 'composite', steps: ['iam-001', 'iam-012'] },
    published: true,
  },
  {
    id: 'iam-021',
    title: 'Add an inline policy to a role and rewrite its trust',
    category: 'principal-access',
    summary: 'Put a permissive inline policy on any role and make its trust policy name the attacker.',
    permissions: [
      { action: 'iam:PutRolePolicy', on: 'target-role' },
      { action: 'iam:UpdateAssumeRolePolicy', on: 'target-role' },
    ],
    becomes: 'the target role, with an identity layer that allows everything',
    outcome: { kind: 'composite', steps: ['iam-005', 'iam-012'] },
    published: true,
  },
  {
    id: 'lambda-001',
    title: 'Create and invoke a Lambda function with a passed role',
    category: 'new-passrole',
    summary: 'Create a function whose execution role is a passed role and invoke it; the code runs as the role.',
    permissions: [passRole, on('lambda:CreateFunction', ARN.lambdaFunction), on('lambda:InvokeFunction', ARN.lambdaFunction)],
    becomes: 'a role trusting lambda.amazonaws.com',
    outcome: workload(LAMBDA, true),
    published: true,
  },
  {
    id: 'lambda-002',
    title: 'Create a Lambda function with a passed role and an event source',
    category: 'new-passrole',
    summary: 'Create a function with a passed role and map an event source to it, so it runs without a direct invoke.',
    permissions: [
      passRole,
      on('lambda:CreateFunction', ARN.lambdaFunction),
      on('lambda:CreateEventSourceMapping', ARN.lambdaEventSourceMapping),
    ],
    becomes: 'a role trusting lambda.amazonaws.com',
    outcome: workload(LAMBDA, true),
    assumes: 'an event source (stream or queue) exists that can trigger the function',
    published: true,
  },
  {
    id: 'lambda-003',
    title: 'Replace the code of an existing Lambda function',
    category: 'existing-passrole',
    summary: 'Upload new code to a function that has an execution role and wait for its triggers to run it.',
    permissions: [on('lambda:UpdateFunctionCode', ARN.lambdaFunction)],
    becomes: 'the execution role of an existing function',
    outcome: workload(LAMBDA, false),
    assumes: 'a Lambda function runs with this role as its execution role and is triggered',
    published: true,
  },
  {
    id: 'lambda-004',
    title: 'Replace the code of an existing Lambda function and invoke it',
    category: 'existing-passrole',
    summary: 'Upload new code to a function that has an execution role and invoke it directly.',
    permissions: [on('lambda:UpdateFunctionCode', ARN.lambdaFunction), on('lambda:InvokeFunction', ARN.lambdaFunction)],
    becomes: 'the execution role of an existing function',
    outcome: workload(LAMBDA, false),
    assumes: 'a Lambda function runs with this role as its execution role',
    published: true,
  },
  {
    id: 'lambda-005',
    title: 'Replace the code of an existing Lambda function and allow yourself to invoke it',
    category: 'existing-passrole',
    summary: 'Upload new code to a function and add a resource-policy statement letting the attacker invoke it.',
    permissions: [on('lambda:UpdateFunctionCode', ARN.lambdaFunction), on('lambda:AddPermission', ARN.lambdaFunction)],
    becomes: 'the execution role of an existing function',
    outcome: workload(LAMBDA, false),
    assumes: 'a Lambda function runs with this role as its execution role',
    published: true,
  },
  {
    id: 'lambda-006',
    title: 'Create a Lambda function with a passed role and allow yourself to invoke it',
    category: 'new-passrole',
    summary: 'Create a function with a passed role and grant invocation to the attacker in its resource policy.',
    permissions: [passRole, on('lambda:CreateFunction', ARN.lambdaFunction), on('lambda:AddPermission', ARN.lambdaFunction)],
    becomes: 'a role trusting lambda.amazonaws.com',
    outcome: workload(LAMBDA, true),
    published: true,
  },
  {
    id: 'sagemaker-001',
    title: 'Create a SageMaker notebook instance with a passed role',
    category: 'new-passrole',
    summary: 'Create a notebook instance with a passed execution role and run code in its Jupyter environment.',
    permissions: [passRole, on('sagemaker:CreateNotebookInstance', ARN.sagemakerNotebook)],
    becomes: 'a role trusting sagemaker.amazonaws.com',
    outcome: workload(SAGEMAKER, true),
    published: true,
  },
  {
    id: 'sagemaker-002',
    title: 'Create a SageMaker training job with a passed role',
    category: 'new-passrole',
    summary: 'Create a training job whose container or script the attacker controls, with a passed execution role.',
    permissions: [passRole, on('sagemaker:CreateTrainingJob', ARN.sagemakerTrainingJob)],
    becomes: 'a role trusting sagemaker.amazonaws.com',
    outcome: workload(SAGEMAKER, true),
    published: true,
  },
  {
    id: 'sagemaker-003',
    title: 'Create a SageMaker processing job with a passed role',
    category: 'new-passrole',
    summary: 'Create a processing job whose container or script the attacker controls, with a passed execution role.',
    permissions: [passRole, on('sagemaker:CreateProcessingJob', ARN.sagemakerProcessingJob)],
    becomes: 'a role trusting sagemaker.amazonaws.com',
    outcome: workload(SAGEMAKER, true),
    published: true,
  },
  {
    id: 'sagemaker-004',
    title: 'Open an existing SageMaker notebook through a presigned URL',
    category: 'existing-passrole',
    summary: 'Generate a presigned URL for a running notebook instance and run code there with its execution role.',
    permissions: [on('sagemaker:CreatePresignedNotebookInstanceUrl', ARN.sagemakerNotebook)],
    becomes: 'the execution role of an existing notebook instance',
    outcome: workload(SAGEMAKER, false),
    assumes: 'a SageMaker notebook instance in service runs with this role',
    published: true,
  },
  {
    id: 'sagemaker-005',
    title: 'Inject a lifecycle configuration into an existing SageMaker notebook',
    category: 'existing-passrole',
    summary:
      'Create a lifecycle script, stop a notebook instance, attach the script and start it; the script runs with the execution role.',
    permissions: [
      on('sagemaker:CreateNotebookInstanceLifecycleConfig', ARN.sagemakerLifecycleConfig),
      on('sagemaker:StopNotebookInstance', ARN.sagemakerNotebook),
      on('sagemaker:UpdateNotebookInstance', ARN.sagemakerNotebook),
      on('sagemaker:StartNotebookInstance', ARN.sagemakerNotebook),
    ],
    becomes: 'the execution role of an existing notebook instance',
    outcome: workload(SAGEMAKER, false),
    assumes: 'a SageMaker notebook instance runs with this role',
    published: true,
  },
  {
    id: 'ssm-001',
    title: 'Open an SSM session on an instance',
    category: 'existing-passrole',
    summary: 'Start a Session Manager shell on a managed instance and read its role credentials.',
    permissions: [on('ssm:StartSession', ARN.ec2Instance)],
    becomes: 'the role of an existing managed EC2 instance',
    outcome: workload(EC2, false),
    assumes: 'an EC2 instance with the SSM agent runs with this role',
    published: true,
  },
  {
    id: 'ssm-002',
    title: 'Run a command on an instance through SSM',
    category: 'existing-passrole',
    summary: 'Send a Run Command to a managed instance that prints its role credentials.',
    permissions: [on('ssm:SendCommand', ARN.ec2Instance)],
    becomes: 'the role of an existing managed EC2 instance',
    outcome: workload(EC2, false),
    assumes: 'an EC2 instance with the SSM agent runs with this role',
    published: true,
  },
  {
    id: 'sts-001',
    title: 'Assume a role',
    category: 'principal-access',
    summary:
      'Assume a role whose trust policy lets the attacker in: naming them directly, or naming the account when their own policies also allow sts:AssumeRole on it.',
    permissions: [{ action: 'sts:AssumeRole', on: 'target-role' }],
    becomes: 'the target role',
    outcome: { kind: 'assume-role' },
    published: true,
  },
  {
    id: 'sever-001',
    title: 'Delete a user’s permissions boundary',
    category: 'boundary',
    summary: 'Remove the permissions boundary of a user so its identity policies are no longer capped.',
    permissions: [{ action: 'iam:DeleteUserPermissionsBoundary', on: 'target-user' }],
    becomes: 'the target user without its boundary',
    outcome: { kind: 'remove-boundary', target: 'user' },
    published: false,
  },
  {
    id: 'sever-002',
    title: 'Delete a role’s permissions boundary',
    category: 'boundary',
    summary: 'Remove the permissions boundary of a role so its identity policies are no longer capped.',
    permissions: [{ action: 'iam:DeleteRolePermissionsBoundary', on: 'target-role' }],
    becomes: 'the target role without its boundary',
    outcome: { kind: 'remove-boundary', target: 'role' },
    published: false,
  },
  {
    id: 'sever-003',
    title: 'Replace a user’s permissions boundary',
    category: 'boundary',
    summary: 'Set a permissive managed policy (AdministratorAccess) as the user’s boundary.',
    permissions: [{ action: 'iam:PutUserPermissionsBoundary', on: 'target-user' }],
    becomes: 'the target user without an effective boundary',
    outcome: { kind: 'remove-boundary', target: 'user' },
    published: false,
  },
  {
    id: 'sever-004',
    title: 'Replace a role’s permissions boundary',
    category: 'boundary',
    summary: 'Set a permissive managed policy (AdministratorAccess) as the role’s boundary.',
    permissions: [{ action: 'iam:PutRolePermissionsBoundary', on: 'target-role' }],
    becomes: 'the target role without an effective boundary',
    outcome: { kind: 'remove-boundary', target: 'role' },
    published: false,
  },
  {
    id: 'sever-005',
    title: 'Rewrite a managed policy used as a permissions boundary',
    category: 'boundary',
    summary:
      'Create a permissive default version of the customer-managed policy that serves as a boundary; every principal it bounds is uncapped.',
    permissions: [{ action: 'iam:CreatePolicyVersion', on: 'boundary-policy' }],
    becomes: 'every principal the policy bounds, without an effective boundary',
    outcome: { kind: 'remove-boundary', target: 'managed-policy' },
    published: false,
  },
  {
    id: 'sever-006',
    title: 'Roll an attached managed policy back to an older version',
    category: 'self-escalation',
    summary:
      'Make an earlier, broader version of a customer-managed policy the default again. The snapshot holds only default versions, so this is assumed possible.',
    permissions: [{ action: 'iam:SetDefaultPolicyVersion', on: 'attached-policy' }],
    becomes: 'every principal the policy is attached to, with whatever an older version allowed',
    outcome: { kind: 'escalate-identity', target: 'managed-policy' },
    assumes: 'an earlier version of the policy grants more than the default one',
    published: false,
  },
  {
    id: 'sever-007',
    title: 'Swap the execution role of an existing Lambda function',
    category: 'new-passrole',
    summary: 'Point an existing function at a passed role and change its code; its triggers then run the code as that role.',
    permissions: [
      passRole,
      on('lambda:UpdateFunctionConfiguration', ARN.lambdaFunction),
      on('lambda:UpdateFunctionCode', ARN.lambdaFunction),
    ],
    becomes: 'a role trusting lambda.amazonaws.com',
    outcome: workload(LAMBDA, true),
    assumes: 'a Lambda function exists that is triggered',
    published: false,
  },
  {
    id: 'sever-008',
    title: 'Swap the service role of an existing CodeBuild project and build',
    category: 'new-passrole',
    summary: 'Point an existing project at a passed service role and start a build with an overridden buildspec.',
    permissions: [passRole, on('codebuild:UpdateProject', ARN.codebuildProject), on('codebuild:StartBuild', ARN.codebuildProject)],
    becomes: 'a role trusting codebuild.amazonaws.com',
    outcome: workload(CODEBUILD, true),
    assumes: 'a CodeBuild project exists',
    published: false,
  },
  {
    id: 'sever-009',
    title: 'Tag a role',
    category: 'principal-access',
    summary:
      'Set the tags of a role the attacker can become, so that policies testing aws:PrincipalTag (ABAC) let its sessions in where its own tags did not.',
    permissions: [{ action: 'iam:TagRole', on: 'target-role' }],
    becomes: 'the target role, with tags of the attacker’s choosing',
    outcome: { kind: 'choose-tags', target: 'role' },
    published: false,
  },
  {
    id: 'sever-010',
    title: 'Tag a user',
    category: 'principal-access',
    summary:
      'Set the tags of a user the attacker can become, so that policies testing aws:PrincipalTag (ABAC) let it in where its own tags did not.',
    permissions: [{ action: 'iam:TagUser', on: 'target-user' }],
    becomes: 'the target user, with tags of the attacker’s choosing',
    outcome: { kind: 'choose-tags', target: 'user' },
    published: false,
  },
  {
    id: 'sever-011',
    title: 'Rewrite a role’s trust policy to accept session tags',
    category: 'principal-access',
    summary:
      'Rewrite the trust policy of a role to let the attacker assume it and tag the session, then assume it with session tags that stand in for its own tags.',
    permissions: [
      { action: 'iam:UpdateAssumeRolePolicy', on: 'target-role' },
      { action: 'sts:AssumeRole', on: 'target-role' },
      { action: 'sts:TagSession', on: 'target-role' },
    ],
    becomes: 'the target role, with session tags of the attacker’s choosing',
    outcome: { kind: 'choose-tags', target: 'role' },
    published: false,
  },
  {
    id: 'sever-012',
    title: 'Federate the attacker’s own user with session tags',
    category: 'principal-access',
    summary:
      'Call sts:GetFederationToken with session tags; the federated session’s aws:PrincipalTag values are the ones passed, within the user’s own permissions.',
    permissions: [on('sts:GetFederationToken', ARN.federatedUser), on('sts:TagSession', ARN.federatedUser)],
    becomes: 'a federated session of the attacker’s user, with tags of their choosing',
    outcome: { kind: 'choose-tags', target: 'self' },
    published: false,
  },
  {
    id: 'sever-013',
    title: 'Tag a KMS key',
    category: 'principal-access',
    summary:
      'Set the tags of a KMS signing or MAC key, or of the key protecting a signing secret or parameter, so that policies testing aws:ResourceTag on it allow signing or decrypting where its own tags did not, or stop denying it.',
    permissions: [{ action: 'kms:TagResource', on: 'signing-material' }],
    becomes: 'the same principal, allowed to use or control the retagged key, or to decrypt with it',
    outcome: { kind: 'choose-resource-tags', target: 'signing-material' },
    published: false,
  },
  {
    id: 'sever-014',
    title: 'Tag a signing secret',
    category: 'principal-access',
    summary:
      'Set the tags of a secret holding a signing key, so that policies testing aws:ResourceTag or secretsmanager:ResourceTag on it let its value be read or changed.',
    permissions: [{ action: 'secretsmanager:TagResource', on: 'signing-material' }],
    becomes: 'the same principal, allowed to read or change the retagged secret',
    outcome: { kind: 'choose-resource-tags', target: 'signing-material' },
    published: false,
  },
  {
    id: 'sever-015',
    title: 'Tag a signing parameter',
    category: 'principal-access',
    summary:
      'Set the tags of an SSM parameter holding a signing key, so that policies testing aws:ResourceTag or ssm:resourceTag on it let its value be read or changed.',
    permissions: [{ action: 'ssm:AddTagsToResource', on: 'signing-material' }],
    becomes: 'the same principal, allowed to read or change the retagged parameter',
    outcome: { kind: 'choose-resource-tags', target: 'signing-material' },
    published: false,
  },
  {
    id: 'sever-016',
    title: 'Tag a role to assume, pass or rewrite it',
    category: 'principal-access',
    summary:
      'Set the tags of a role, so that policies testing aws:ResourceTag on it let the attacker assume it, pass it to a compute service, or edit its policies, trust or boundary.',
    permissions: [{ action: 'iam:TagRole', on: 'target-role' }],
    becomes: 'the retagged role, or the attacker with rights on it',
    outcome: { kind: 'choose-resource-tags', target: 'role' },
    published: false,
  },
  {
    id: 'sever-017',
    title: 'Tag a user to take it over',
    category: 'principal-access',
    summary:
      'Set the tags of a user, so that policies testing aws:ResourceTag on it let the attacker mint its credentials or edit its policies or boundary.',
    permissions: [{ action: 'iam:TagUser', on: 'target-user' }],
    becomes: 'the retagged user, or the attacker with rights on it',
    outcome: { kind: 'choose-resource-tags', target: 'user' },
    published: false,
  },
  ...(
    [
      ['sever-018', 'a KMS key', 'kms:UntagResource', 'signing-material'],
      ['sever-019', 'a signing secret', 'secretsmanager:UntagResource', 'signing-material'],
      ['sever-020', 'a signing parameter', 'ssm:RemoveTagsFromResource', 'signing-material'],
      ['sever-021', 'a role', 'iam:UntagRole', 'role'],
      ['sever-022', 'a user', 'iam:UntagUser', 'user'],
    ] as const
  ).map(
    ([id, what, action, target]): EscalationPath => ({
      id,
      title: `Remove the tags of ${what}`,
      category: 'principal-access',
      summary: `Remove tags of ${what}, so that a policy whose test of aws:ResourceTag held (a Deny on a protected tag, say) stops holding. Sever counts it as choosing the tags: it can flag, never miss.`,
      permissions: [{ action, on: target === 'role' ? 'target-role' : target === 'user' ? 'target-user' : 'signing-material' }],
      becomes: 'the same principal, with the untagged item no longer shut out by its tags',
      outcome: { kind: 'choose-resource-tags', target },
      published: false,
    }),
  ),
];

const BY_ID: ReadonlyMap<string, EscalationPath> = new Map(ESCALATION_CATALOG.map((p) => [p.id, p]));

/**
 * Looks a technique up by id.
 *
 * @example
 * ```ts
 * escalationPath('lambda-001')?.permissions.map((p) => p.action); // ['iam:PassRole', 'lambda:CreateFunction', 'lambda:InvokeFunction']
 * ```
 */
export function escalationPath(id: string): EscalationPath | undefined {
  return BY_ID.get(id);
}
