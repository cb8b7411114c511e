import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { main } from '../../server/src/import/importer';
import { checkLedger } from '../../server/src/ledger/ledger.service';
import { startTestApp, type TestApp } from '../support/app';
import { backdatePin, pinClient, registerPartner, signContract } from '../support/steps';

const PARTNER = 83000001;
const CLIENTS = [93100001, 93100002, 93100003];
const DAY_MS = 86_400_000;

let t: TestApp;
let dir: string;
beforeAll(async () => {
  t = await startTestApp();
  const partnerId = await registerPartner(t, PARTNER);
  await signContract(t, partnerId, `П-${PARTNER}`);
  for (const client of CLIENTS) await backdatePin(t, (await pinClient(t, PARTNER, client)).id);
  dir = mkdtempSync(path.join(tmpdir(), 'amop-import-'));
});
afterAll(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the command as `npm run import -- …` would, against the test app; returns its exit code and output. */
async function runCli(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const sink = (write: (s: string) => void) =>
    new Writable({
      write(chunk, _enc, done) {
        write(String(chunk));
        done();
      },
    });
  const code = await main(
    args,
    { BILLING_API_KEY: t.config.billingApiKey },
    { stdout: sink((s) => (stdout += s)), stderr: sink((s) => (stderr += s)) },
  );
  return { code, stdout, stderr };
}

const paidAt = (i: number) => new Date(Date.now() - 30 * DAY_MS + i * 60_000).toISOString();

async function countOf(table: 'payments' | 'commissions', prefix: string): Promise<number> {
  const { rows } = await sql<{ n: bigint }>`
    SELECT count(*) AS n FROM payments p
      ${table === 'commissions' ? sql`JOIN commissions c ON c.payment_id = p.id` : sql``}
     WHERE p.external_id LIKE ${prefix + '%'}`.execute(t.db.db);
  return Number(rows[0]!.n);
}

const readJsonl = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

describe('npm run import', () => {
  it('imports a CSV (quotes, dotted columns, empty cells), writes the rejected rows, and a rerun sends nothing', async () => {
    const file = path.join(dir, 'history.csv');
    const lines = [
      'externalId,clientAccountId,grossMinor,currency,channel,paidAt,productCode,periodEnd,netInvoiceId,payer.email',
      `csv-1,${CLIENTS[0]},1200000,RUB,vendor_direct,${paidAt(1)},amo-widget-pro,,,`,
      `"csv-2",${CLIENTS[1]},500000,,vendor_direct,${paidAt(2)},"widget, ""pro""",,,a@example.ru`,
      `csv-3,${CLIENTS[2]},-5,RUB,vendor_direct,${paidAt(3)},,,,`,
      `csv-4,${CLIENTS[0]},100000`,
      `csv-5,93199999,33333,RUB,vendor_direct,${paidAt(5)},"multi`,
      `line product",,,`,
      `csv-6,${CLIENTS[1]},700000,RUB,vendor_direct,${paidAt(6)},,,,`,
    ];
    writeFileSync(file, lines.join('\r\n') + '\r\n');

    const first = await runCli(file, '--url', t.url);
    expect(first.code).toBe(1);
    expect(first.stdout).toMatch(/^history\.csv: 4 created, 0 replayed, 2 rejected, 0 skipped/);
    expect(first.stderr).toContain('import: 6/6 (100%)');
    expect(await countOf('payments', 'csv-')).toBe(4);
    expect(await countOf('commissions', 'csv-')).toBe(3); // csv-5's client has no partner

    const { rows } = await sql<{ product_code: string; currency: string }>`
      SELECT product_code, currency FROM payments WHERE external_id = 'csv-2'`.execute(t.db.db);
    expect(rows[0]).toEqual({ product_code: 'widget, "pro"', currency: 'RUB' });

    const rejected = readJsonl(`${file}.rejected.jsonl`);
    expect(rejected).toEqual([
      expect.objectContaining({
        line: 4,
        externalId: 'csv-3',
        status: 400,
        code: 'validation_failed',
        errors: [expect.objectContaining({ path: 'grossMinor' })],
        reason: expect.stringContaining('grossMinor: '),
      }),
      expect.objectContaining({
        line: 5,
        externalId: 'csv-4',
        status: 400,
        reason: 'row has 3 fields where the header has 10',
      }),
    ]);
    expect(JSON.parse(readFileSync(`${file}.import-state.json`, 'utf8')).linesDone).toBe(8);

    // The progress file says everything was answered: nothing is sent again, and the rejections still count.
    const second = await runCli(file, '--url', t.url);
    expect(second.code).toBe(1);
    expect(second.stdout).toMatch(/: 0 created, 0 replayed, 2 rejected \(2 by an earlier run\), 6 skipped/);
    expect(readJsonl(`${file}.rejected.jsonl`)).toHaveLength(2);

    // Without it, every row goes again and the server replays: correctness never rested on the file.
    const restarted = await runCli(file, '--url', t.url, '--restart');
    expect(restarted.stdout).toMatch(/: 0 created, 4 replayed, 2 rejected, 0 skipped/);
    expect(await countOf('payments', 'csv-')).toBe(4);
    expect(readJsonl(`${file}.rejected.jsonl`)).toHaveLength(2);
  });

  it('resumes a JSONL import stopped after its first batch, and a stale progress file only costs replays', async () => {
    const file = path.join(dir, 'history.jsonl');
    const body = (i: number) => ({
      externalId: `jl-${String(i).padStart(3, '0')}`,
      clientAccountId: CLIENTS[i % CLIENTS.length],
      grossMinor: 100_000 + i,
      channel: 'vendor_direct',
      paidAt: paidAt(i),
    });
    const lines = Array.from({ length: 23 }, (_, i) => JSON.stringify(body(i)));
    lines.splice(7, 0, '{"externalId": "jl-broken",'); // line 8: not JSON
    lines.splice(12, 0, ''); // line 13: blank, ignored
    lines.push(JSON.stringify({ ...body(0), grossMinor: 1 })); // line 26: jl-000 again with other data
    writeFileSync(file, lines.join('\n') + '\n');

    const stopped = await runCli(file, '--url', t.url, '--batch-size', '5', '--max-batches', '1');
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toMatch(/: 5 created, .* stopped by --max-batches/);
    expect(await countOf('payments', 'jl-')).toBe(5);

    // A crash after the server committed batch two but before the progress file moved past it: the file still
    // says batch one, and a rejected row of batch two is already on disk.
    const two = await runCli(file, '--url', t.url, '--batch-size', '5', '--max-batches', '1');
    expect(two.stdout).toMatch(/: 5 created, 0 replayed, 1 rejected, 5 skipped/);
    writeFileSync(
      `${file}.import-state.json`,
      readFileSync(`${file}.import-state.json`, 'utf8').replace(/"linesDone":\d+/, '"linesDone":5'),
    );
    expect(readJsonl(`${file}.rejected.jsonl`).map((r) => r.line)).toEqual([8]);

    const resumed = await runCli(file, '--url', t.url, '--batch-size', '5');
    expect(resumed.code).toBe(1);
    expect(resumed.stdout).toMatch(/: 13 created, 5 replayed, 2 rejected, 5 skipped/);
    expect(await countOf('payments', 'jl-')).toBe(23);
    expect(await countOf('commissions', 'jl-')).toBe(23);
    const rejected = readJsonl(`${file}.rejected.jsonl`);
    expect(rejected.map((r) => [r.line, r.externalId, r.status])).toEqual([
      [8, null, 400],
      [26, 'jl-000', 409],
    ]);
    expect(rejected[0].reason).toBe('line is not valid JSON');
    expect(rejected[1].code).toBe('idempotency_key_reused');
    expect(await checkLedger(t.db.db)).toEqual([]);

    const again = await runCli(file, '--url', t.url);
    expect(again.stdout).toMatch(/: 0 created, 0 replayed, 2 rejected \(2 by an earlier run\), 25 skipped/);
  });

  it('exits 2 with one sentence on a usage error, an unreachable server or a refused key', async () => {
    const file = path.join(dir, 'one.jsonl');
    writeFileSync(file, JSON.stringify({ externalId: 'x-1' }) + '\n');
    const cases: Array<[string[], RegExp]> = [
      [[], /Name one file to import/],
      [[path.join(dir, 'missing.csv'), '--url', t.url], /There is no file/],
      [[path.join(dir, 'notes.txt'), '--url', t.url], /Cannot tell the format/],
      [[file, '--url', t.url, '--batch-size', '5000'], /--batch-size must be a whole number from 1 to 1000/],
      [[file, '--url', 'http://127.0.0.1:9'], /Cannot reach the server at http:\/\/127\.0\.0\.1:9/],
      [[file, '--url', t.url, '--key', 'wrong-key-wrong-key'], /refused the billing key \(401\)/],
    ];
    for (const [args, message] of cases) {
      const run = await runCli(...args);
      expect({ args, code: run.code }).toEqual({ args, code: 2 });
      expect(run.stderr).toMatch(message);
    }
    expect(existsSync(`${file}.import-state.json`)).toBe(false);
    const badCsv = path.join(dir, 'bad.csv');
    writeFileSync(badCsv, 'externalId,grossMinor\n"open,1\n');
    const unreadable = await runCli(badCsv, '--url', t.url);
    expect(unreadable.code).toBe(2);
    expect(unreadable.stderr).toMatch(/not a readable CSV file \(line 2: a quoted field is never closed\)/);
  });
});
