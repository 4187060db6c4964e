import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../lib/paths.js';
import { cdkJsonContext } from './helpers.js';

const APP_TIMEOUT_MS = 600_000;

interface FunctionProperties {
  readonly Code?: { readonly S3Key?: string };
  readonly Environment?: { readonly Variables?: Record<string, unknown> };
}

/** A bundled asset's key is `<hash>.zip`, staged as `asset.<hash>`. */
const assetDirOf = (fn: FunctionProperties): string => `asset.${(fn.Code?.S3Key ?? '').replace(/\.zip$/, '')}`;

/**
 * The function's environment with deploy-time references replaced by placeholders of the right
 * shape, enough for a handler module's cold-start configuration check.
 */
function placeholderEnvironment(fn: FunctionProperties): Record<string, string> {
  const variables = fn.Environment?.Variables ?? {};
  return Object.fromEntries(
    Object.entries(variables).map(([name, value]) => [
      name,
      typeof value === 'string'
        ? value
        : name.endsWith('_ARN')
          ? `arn:aws:placeholder:eu-west-1:123456789012:${name.toLowerCase()}`
          : 'placeholder',
    ]),
  );
}

interface Run {
  readonly code: number;
  readonly output: string;
}

/** The environment of the synth: no AWS credentials, profile or region of any kind. */
function offlineEnvironment(outdir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('AWS_')) env[key] = value;
  return {
    ...env,
    AWS_EC2_METADATA_DISABLED: 'true',
    // What the CDK CLI hands an app: where to write and cdk.json's context.
    CDK_OUTDIR: outdir,
    CDK_CONTEXT_JSON: JSON.stringify(cdkJsonContext()),
  };
}

describe('Program: bin/app.ts', { timeout: APP_TIMEOUT_MS }, () => {
  let outdir: string;
  let run: Run;

  beforeAll(async () => {
    outdir = mkdtempSync(join(tmpdir(), 'sever-synth-'));
    try {
      const { stdout, stderr } = await promisify(execFile)(join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), ['bin/app.ts'], {
        cwd: REPO_ROOT,
        env: offlineEnvironment(outdir),
        timeout: APP_TIMEOUT_MS - 30_000,
        maxBuffer: 16 * 1024 * 1024,
      });
      run = { code: 0, output: `${stdout}${stderr}` };
    } catch (error) {
      const failed = error as { code?: number; stdout?: string; stderr?: string; message: string };
      run = { code: typeof failed.code === 'number' ? failed.code : 1, output: `${failed.stdout ?? ''}${failed.stderr ?? failed.message}` };
    }
  }, APP_TIMEOUT_MS);

  afterAll(() => {
    rmSync(outdir, { recursive: true, force: true });
  });

  it('synthesizes without AWS credentials, cdk-nag included', () => {
    // Assess
    expect(run.output).not.toMatch(/Docker/i);
    expect(run.code, run.output).toBe(0);
    expect(existsSync(join(outdir, 'Sever.template.json'))).toBe(true);
  });

  it('bundles each function as ESM with a source map and a working require', () => {
    // Prepare
    const template = JSON.parse(readFileSync(join(outdir, 'Sever.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: FunctionProperties }>;
    };
    const functions = Object.values(template.Resources).filter((resource) => resource.Type === 'AWS::Lambda::Function');

    // Act
    const assetDirs = functions.map((fn) => assetDirOf(fn.Properties));

    // Assess
    expect(functions).toHaveLength(6);
    expect(new Set(assetDirs).size).toBe(6);
    for (const dir of assetDirs) {
      const files = readdirSync(join(outdir, dir)).sort();
      expect(files, dir).toEqual(['index.mjs', 'index.mjs.map']);
      const bundle = readFileSync(join(outdir, dir, 'index.mjs'), 'utf8');
      expect(bundle.startsWith("import { createRequire as __severCreateRequire } from 'node:module';"), dir).toBe(true);
      expect(bundle, dir).toMatch(/export\s*\{[^}]*\bhandler\b[^}]*\}/);
      expect(bundle, dir).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
    }
  });

  it('loads each bundle as an ES module exporting handler', async () => {
    // Prepare
    const template = JSON.parse(readFileSync(join(outdir, 'Sever.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: FunctionProperties }>;
    };
    const functions = Object.values(template.Resources).filter((resource) => resource.Type === 'AWS::Lambda::Function');
    const probe = 'import(process.argv[1]).then((m) => process.stdout.write(typeof m.handler))';

    // Act
    const loaded = await Promise.all(
      functions.map(async (fn) => {
        const bundle = join(outdir, assetDirOf(fn.Properties), 'index.mjs');
        const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', probe, bundle], {
          env: { ...offlineEnvironment(outdir), AWS_REGION: 'eu-west-1', NODE_NO_WARNINGS: '1', ...placeholderEnvironment(fn.Properties) },
        });
        return `${assetDirOf(fn.Properties)}: ${stdout}`;
      }),
    );

    // Assess
    expect(loaded).toEqual(functions.map((fn) => `${assetDirOf(fn.Properties)}: function`));
  });
});
