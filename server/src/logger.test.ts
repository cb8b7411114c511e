import { startBanner } from './banner';
import { testConfig } from '../../test/support/app';
import { createLogger } from './logger';

/** A stand-in for process.stdout that records what is written and says whether it is a terminal. */
function output(isTTY: boolean) {
  const lines: string[] = [];
  return { isTTY, lines, write: (s: string) => lines.push(s) };
}

describe('the log on a terminal and elsewhere', () => {
  it('is readable on a terminal: time, level, message, fields, the stack below; secrets still redacted', () => {
    const out = output(true);
    const log = createLogger({ level: 'info', stdout: out });
    log.info(
      { partnerId: 12, route: 'POST /api/v1/pins', amo: { clientSecret: 'hunter2-hunter2' } },
      'pin created',
    );
    log.error({ err: new Error('boom') }, 'request failed');
    const text = out.lines.join('');
    // Colours are escape sequences around the parts; the words in between are what a person reads.
    const plain = out.lines[0]!.replace(new RegExp(`${String.fromCharCode(27)}\\[\\d+m`, 'g'), '');
    expect(out.lines[0]).not.toBe(plain);
    expect(plain).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} INFO {2}pin created partnerId=12 route="POST \/api\/v1\/pins" amo=/,
    );
    expect(text).toContain('[redacted]');
    expect(text).not.toContain('hunter2');
    expect(text).toMatch(/request failed\n {4}Error: boom\n {8}at /);
    expect(() => JSON.parse(out.lines[0]!)).toThrow();
  });

  it('is one JSON object per line when not a terminal', () => {
    const out = output(false);
    createLogger({ level: 'info', stdout: out }).info({ partnerId: 12 }, 'pin created');
    expect(JSON.parse(out.lines[0]!)).toMatchObject({ level: 30, msg: 'pin created', partnerId: 12 });
  });
});

describe('the start banner', () => {
  it('says where to click, and how to turn the widget page on when it is off', () => {
    const config = testConfig({ env: 'development' });
    const off = startBanner(config, 'http://localhost:3000', 'https://partners.example.ru').join('\n');
    expect(off).toContain('http://localhost:3000/api/v1/openapi.json');
    expect(off).toContain('http://localhost:3000/health');
    expect(off).toContain('DEV_HOST_PAGE=1');
    expect(off).toContain('dist/widget.zip calls https://partners.example.ru');
    // An archive built without PUBLIC_URL is not ready to upload: the banner says how to build one.
    expect(startBanner(config, 'http://localhost:3000', '').join('\n')).toContain(
      'PUBLIC_URL=https://… npm run build',
    );
    const on = startBanner({ ...config, devHostPage: true }, 'http://localhost:3000', undefined).join('\n');
    expect(on).toContain('http://127.0.0.1:3000/dev/host/');
  });
});
