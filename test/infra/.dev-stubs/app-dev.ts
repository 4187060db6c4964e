#!/usr/bin/env -S npx tsx
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readSeverConfig } from '../../../lib/config.js';
import { SeverStack } from '../../../lib/sever-stack.js';

const app = new App();
const st = new SeverStack(app, 'Sever', {
  config: readSeverConfig(app.node), handlersDir: process.env.HDIR ?? '/work/main/test/infra/.dev-stubs',
  description: 'Sever: revokes a departing engineer’s reach to signing keys when HR says they have left',
});
// Any unacknowledged AwsSolutions finding fails synthesis.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
if (process.env.BAD) new (await import('aws-cdk-lib/aws-sqs')).Queue(st, 'Bad');
app.synth();
