import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCaseEvidence } from '../../../lambda/core/ledger/evidence.js';
import { renderEvidenceReport } from '../../../lambda/core/ledger/report.js';
import {
  CASE_ID,
  EMPLOYEE_ID,
  HOSTILE_REASON,
  NEW_KEY_ARN,
  OLD_KEY_ARN,
  revocationCase,
  SECRET_ARN,
  sealCase,
} from '../../unit/core/ledger/case-fixture.js';

const CHROMIUM = '/usr/bin/chromium';

describe('Function: renderEvidenceReport (in headless Chromium)', () => {
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`${CHROMIUM} is missing: install it (apt-get install -y chromium) to run the report browser test.`);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    dir = await mkdtemp(join(tmpdir(), 'sever-report-'));
  });

  afterAll(async () => {
    await browser?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  const open = async (html: string) => {
    const file = join(dir, `report-${Math.random().toString(36).slice(2)}.html`);
    await writeFile(file, html);
    const page = await browser.newPage();
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(pathToFileURL(file).href);
    return { page, requests: () => requests.filter((url) => url !== pathToFileURL(file).href) };
  };

  it('shows an auditor the facts of the case', async () => {
    // Prepare
    const evidence = buildCaseEvidence(
      sealCase(revocationCase()),
      {
        ok: true,
        findings: [],
        casesChecked: 1,
        entriesChecked: 17,
        digestsChecked: 1,
        lastDigest: { seq: 1, at: '2025-03-01T09:05:00.000Z' },
      },
      new Date('2025-03-02T10:00:00.000Z'),
    );

    // Act
    const { page, requests } = await open(renderEvidenceReport(evidence));
    const text = await page.locator('body').innerText();
    const contained = await page.locator('[data-milestone="contained"]').innerText();
    const timeToContain = await page.locator('[data-metric="Time to contain"]').innerText();
    const timeToRevoke = await page.locator('[data-metric="Time to revoke"]').innerText();
    const credentials = await page.locator('#credentials').innerText();

    // Assess
    expect(await page.title()).toBe(`Revocation evidence — case ${CASE_ID}`);
    for (const fact of [EMPLOYEE_ID, 'alice@example.com', 'involuntary', 'Intact', 'kid-old-1', 'rejected']) expect(text).toContain(fact);
    expect(contained).toContain('2025-03-01 09:00:02.500 UTC');
    expect(timeToContain).toContain('2.5 s');
    expect(timeToRevoke).toContain('6.0 s');
    for (const fact of [OLD_KEY_ARN, NEW_KEY_ARN, SECRET_ARN, 'AKIAALICE0000001', 'deactivate-access-key', 'schedule-key-deletion'])
      expect(credentials).toContain(fact);
    expect(credentials).toMatch(/status: Active[\s\S]*status: Inactive/);
    expect(credentials).toContain('2025-03-08 09:00:00.000 UTC');
    expect(requests()).toEqual([]);
    await page.close();
  });

  it('shows hostile HR text as text and never runs it', async () => {
    // Prepare
    const evidence = buildCaseEvidence(
      sealCase(revocationCase()),
      { ok: true, findings: [], casesChecked: 1, entriesChecked: 17, digestsChecked: 0 },
      new Date('2025-03-02T10:00:00.000Z'),
    );

    // Act
    const { page, requests } = await open(renderEvidenceReport(evidence));
    const eventText = await page.locator('#hr-event').innerText();
    const pwned = await page.evaluate(() => (globalThis as unknown as { __pwned?: boolean }).__pwned);

    // Assess
    expect(eventText).toContain(HOSTILE_REASON);
    expect(pwned).toBeUndefined();
    expect(await page.locator('#hr-event img, #hr-event script').count()).toBe(0);
    expect(requests()).toEqual([]);
    await page.close();
  });

  it('makes a failed verification impossible to miss', async () => {
    // Prepare
    const evidence = buildCaseEvidence(
      sealCase(revocationCase({ rotateSecretFails: true })),
      {
        ok: false,
        findings: [
          {
            code: 'ERR_CASE_REWRITTEN',
            severity: 'error',
            caseId: CASE_ID,
            seq: 17,
            digestSeq: 1,
            message: `Case ${CASE_ID}: digest seq 1 commits to seq 17 with hash a, but that entry now has hash b.`,
          },
        ],
        casesChecked: 1,
        entriesChecked: 17,
        digestsChecked: 1,
      },
      new Date('2025-03-02T10:00:00.000Z'),
    );

    // Act
    const { page } = await open(renderEvidenceReport(evidence));
    const summary = await page.locator('#summary').innerText();
    const verification = await page.locator('#verification').innerText();

    // Assess
    expect(summary).toContain('FAILED verification');
    expect(summary).toContain('not complete');
    expect(summary).toContain(`Action s6 (rotate-secret on ${SECRET_ARN}) failed.`);
    expect(verification).toContain('ERR_CASE_REWRITTEN');
    expect(verification).toContain('FAILED');
    await page.close();
  });
});
