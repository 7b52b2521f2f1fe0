import { describe, expect, it } from 'vitest';
import { durationSeconds, parseLoadtestArgs, UsageError } from './options.ts';

describe('npm run loadtest arguments', () => {
  it('runs the mixed scenario at every concurrency target of the business plan when given nothing', () => {
    const options = parseLoadtestArgs([]);
    expect(options.scenarios).toEqual(['mixed']);
    expect(options.vus).toEqual([50, 100, 250, 500]);
    expect(options.model).toBe('closed');
    expect(options.duration).toBe('30s');
    expect(options.targetUrl).toBeNull();
  });

  it('reads the lead example `-- --vus 250 --scenario mixed --model open --duration 30s`', () => {
    const options = parseLoadtestArgs(['--', '--vus', '250', '--scenario', 'mixed', '--model', 'open', '--duration', '45s']);
    expect(options).toMatchObject({ scenarios: ['mixed'], vus: [250], model: 'open', duration: '45s' });
  });

  it('takes a list of targets, sorted and without repeats, and --flag=value forms', () => {
    const options = parseLoadtestArgs(['--vus=500,50,100,50', '--scenario=all', '--ramp-up=20s', '--stop-on-fail', '--profile']);
    expect(options.vus).toEqual([50, 100, 500]);
    expect(options.scenarios).toEqual(['visitors', 'owners', 'mixed']);
    expect(options.rampUp).toBe('20s');
    expect(options.stopOnFail).toBe(true);
    expect(options.profile).toBe(true);
    expect(parseLoadtestArgs([]).profile).toBe(false);
  });

  it('refuses a target that is not a whole number, naming the flag', () => {
    expect(() => parseLoadtestArgs(['--vus', '50,many'])).toThrow(/--vus takes whole numbers/);
    expect(() => parseLoadtestArgs(['--vus', '0'])).toThrow(UsageError);
  });

  it('refuses unknown scenarios, models, durations and flags', () => {
    expect(() => parseLoadtestArgs(['--scenario', 'shoppers'])).toThrow(/--scenario takes visitors, owners, mixed/);
    expect(() => parseLoadtestArgs(['--model', 'half-open'])).toThrow(/--model takes closed/);
    expect(() => parseLoadtestArgs(['--duration', 'thirty'])).toThrow(/k6 duration/);
    expect(() => parseLoadtestArgs(['--users', '50'])).toThrow(/Unknown flag --users/);
    expect(() => parseLoadtestArgs(['--vus'])).toThrow(/--vus needs a value/);
  });

  it('targets a running platform from TARGET_URL and TARGET_EDGE_URL, and needs the edge for visitors', () => {
    const options = parseLoadtestArgs(['--scenario', 'visitors'], { TARGET_URL: 'http://127.0.0.1:3000/', TARGET_EDGE_URL: 'http://127.0.0.1:8080' });
    expect(options.targetUrl).toBe('http://127.0.0.1:3000');
    expect(options.targetEdgeUrl).toBe('http://127.0.0.1:8080');
    expect(() => parseLoadtestArgs(['--scenario', 'mixed'], { TARGET_URL: 'http://127.0.0.1:3000' })).toThrow(/set TARGET_EDGE_URL/);
    expect(parseLoadtestArgs(['--scenario', 'owners'], { TARGET_URL: 'http://127.0.0.1:3000' }).targetEdgeUrl).toBeNull();
    expect(() => parseLoadtestArgs(['--target', 'not a url'])).toThrow(/must be a URL/);
  });

  it('converts k6 durations to seconds', () => {
    expect(durationSeconds('30s')).toBe(30);
    expect(durationSeconds('1m30s')).toBe(90);
    expect(durationSeconds('2h')).toBe(7200);
    expect(() => durationSeconds('90')).toThrow(UsageError);
  });
});
