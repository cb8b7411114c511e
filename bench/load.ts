/**
 * The load generator, run as a child process by `runLoad` (support.ts): one autocannon run described by the
 * LoadSpec it receives over IPC; it answers with a LoadResult and exits. A separate process keeps the
 * client's CPU off the server's event loop (it still shares the machine's 2 cores, and its CPU is reported).
 */
import http from 'node:http';
import autocannon from 'autocannon';
import type { LoadResult, LoadSpec } from './support';

interface Req {
  method: string;
  path?: string;
  headers: Record<string, string>;
  body?: string;
  setupRequest(request: Record<string, unknown>): Record<string, unknown>;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** What counts as an answered request: a redirect for link clicks, a 2xx for the API. */
function succeeded(spec: LoadSpec, status: number): boolean {
  return spec.kind === 'clicks' ? status === 302 : status >= 200 && status < 300;
}

function requestsFor(spec: LoadSpec): Req[] {
  let n = 0;
  if (spec.kind === 'clicks') {
    const codes = spec.codes;
    return [
      {
        method: 'GET',
        headers: {},
        setupRequest: (request: Record<string, unknown>) => {
          n += 1;
          return { ...request, path: `/r/${codes[n % codes.length]}` };
        },
      },
    ];
  }
  // Deterministic spread over the clients (a multiplicative hash of the counter), so every phase asks for a
  // different mix of rows and no client is hot.
  const clients = spec.clients;
  const clientFor = (i: number) => clients.first + ((i * 2654435761) % clients.count);
  if (spec.kind === 'payments') {
    const headers = {
      authorization: `Bearer ${spec.billingKey}`,
      'content-type': 'application/json',
    };
    return [
      {
        method: 'POST',
        path: '/api/v1/payments',
        headers,
        setupRequest: (request: Record<string, unknown>) => {
          n += 1;
          return {
            ...request,
            body: JSON.stringify({
              externalId: `${spec.idPrefix}-${n}`,
              clientAccountId: clientFor(n),
              grossMinor: 1_200_000,
              currency: 'RUB',
              channel: 'vendor_direct',
              paidAt: spec.paidAt,
              productCode: 'amo-widget-pro',
            }),
          };
        },
      },
    ];
  }
  const headers = { 'x-auth-token': spec.token };
  return [
    {
      method: 'GET',
      headers,
      setupRequest: (request: Record<string, unknown>) => {
        n += 1;
        return { ...request, path: `/api/v1/staff/clients/${clientFor(n)}` };
      },
    },
  ];
}

/**
 * Open-loop pacing for a fixed offered load: request i leaves at t0 + i / rate on a keep-alive pool of
 * `connections` sockets, whether or not earlier ones have answered. (autocannon's `overallRate` is a
 * per-connection quota refilled once a second — httpClient.js — so its "500/s" is a closed-loop burst at the
 * start of every second.) Latency is measured from the moment the request is handed to the socket pool, so
 * waiting for a free socket counts; `lagP99` says how late the generator itself was against the schedule.
 */
async function runPaced(spec: LoadSpec & { overallRate: number }): Promise<LoadResult> {
  const cpu0 = process.cpuUsage();
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.connections });
  const target = new URL(spec.url);
  const template = requestsFor(spec)[0]!;
  const interval = 1000 / spec.overallRate;
  const total = Math.round(spec.overallRate * spec.durationSeconds);
  const latencies: number[] = [];
  const lags: number[] = [];
  let sent = 0;
  let finished = 0;
  let non2xx = 0;
  let errors = 0;
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    const settle = () => {
      finished += 1;
      if (finished === total) resolve();
    };
    const fire = (i: number) => {
      const request = template.setupRequest({ ...template }) as unknown as Req;
      const start = performance.now();
      lags.push(start - (t0 + i * interval));
      const req = http.request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          method: request.method,
          path: request.path,
          headers: request.headers,
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            if (succeeded(spec, status)) latencies.push(performance.now() - start);
            else non2xx += 1;
            settle();
          });
        },
      );
      req.on('error', () => {
        errors += 1;
        settle();
      });
      req.end(request.body);
    };
    const tick = () => {
      const now = performance.now();
      while (sent < total && t0 + sent * interval <= now) fire(sent++);
      if (sent < total) setTimeout(tick, Math.max(0, t0 + sent * interval - performance.now()));
    };
    tick();
  });
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  const cpu = process.cpuUsage(cpu0);
  const sorted = Float64Array.from(latencies).sort();
  return {
    rps: latencies.length / seconds,
    ok: latencies.length,
    non2xx,
    errors,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    lagP99: percentile(Float64Array.from(lags).sort(), 99),
    durationSeconds: seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}

async function run(spec: LoadSpec): Promise<LoadResult> {
  if (spec.paced && spec.overallRate) return runPaced({ ...spec, overallRate: spec.overallRate });
  const cpu0 = process.cpuUsage();
  const latencies: number[] = [];
  const instance = autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: spec.durationSeconds,
    overallRate: spec.overallRate,
    timeout: 30,
    requests: requestsFor(spec) as never,
  });
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    if (succeeded(spec, statusCode)) latencies.push(responseTime);
  });
  let firstBad: string | undefined;
  instance.on('reqError', (error: Error) => {
    firstBad ??= String(error);
  });
  const result = await instance;
  const cpu = process.cpuUsage(cpu0);
  const sorted = Float64Array.from(latencies).sort();
  // autocannon counts every non-2xx; for clicks the redirects are the successes and the rest the failures.
  const non2xx = spec.kind === 'clicks' ? result.requests.total - latencies.length : result.non2xx;
  if (non2xx > 0) {
    const codes = Object.entries(result.statusCodeStats)
      .map(([code, s]) => `${code}×${s.count}`)
      .join(', ');
    process.stderr.write(`[load] ${non2xx} non-2xx responses (${codes})\n`);
  }
  if (firstBad) process.stderr.write(`[load] first request error: ${firstBad}\n`);
  return {
    rps: latencies.length / result.duration,
    ok: latencies.length,
    non2xx,
    errors: result.errors,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    autocannonP99: result.latency.p99,
    durationSeconds: result.duration,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}

process.once('message', (spec: LoadSpec) => {
  run(spec).then(
    (result) => process.send!(result, () => process.exit(0)),
    (error: unknown) => {
      process.stderr.write(`[load] ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
});
