/** config_recorder's plan: what differs in each region, and when nothing is planned. Pure. */
import { describe, expect, it } from 'vitest';
import { configRecorderChange, recorderRegions } from '../../../src/plan/parameters.js';
import { recorderDrift, type LiveRecorder } from '../../../src/protocol/requests.js';
import { desiredOf, errorsOf, parse } from '../../helpers/dsl.js';

const BUCKET = 'aws-waf-logs-orgvend-666666666666-us-east-1';
const recording = (over: Partial<LiveRecorder> = {}): LiveRecorder => ({ name: 'default', recording: true, all_supported: true, include_global: false, bucket: BUCKET, ...over });
const foo = (value: boolean | undefined) =>
  desiredOf([[['organization', 'logs_account'], 'dns'], ...(value === undefined ? [] : [[['accounts', 'foo', 'config_recorder'], value] as [string[], boolean]])]).accounts.find((a) => a.name === 'foo')!;

describe('config_recorder in accounts.yml', () => {
  it('is refused where it is turned on and no logs account is named, at each layer that turns it on', () => {
    const errors = errorsOf(parse([[['defaults', 'config_recorder'], true], [['scopes', 'dev', 'config_recorder'], false], [['accounts', 'dns', 'config_recorder'], true]]));
    expect(errors).toMatchObject([
      { code: 'config-recorder-without-logs-account', path: 'defaults.config_recorder' },
      { code: 'config-recorder-without-logs-account', path: 'accounts.dns.config_recorder' },
    ]);
    expect(errorsOf(parse([[['defaults', 'config_recorder'], true], [['organization', 'logs_account'], 'dns']]))).toEqual([]);
    expect(errorsOf(parse([[['defaults', 'config_recorder'], 'yes']]))[0]).toMatchObject({ path: 'defaults.config_recorder', message: expect.stringContaining('true or false') });
  });
});

describe('recorderDrift', () => {
  it('on: every supported type, the global ones in the home region alone, into the bucket, recording', () => {
    expect(recorderDrift(null, true, 'us-east-1', 'us-east-1', BUCKET)).toEqual(['recorder']);
    expect(recorderDrift(recording({ include_global: true }), true, 'us-east-1', 'us-east-1', BUCKET)).toEqual([]);
    expect(recorderDrift(recording(), true, 'us-east-1', 'us-east-1', BUCKET)).toEqual(['include_global']);
    expect(recorderDrift(recording({ include_global: true }), true, 'us-west-2', 'us-east-1', BUCKET)).toEqual(['include_global']);
    expect(recorderDrift(recording({ recording: false, all_supported: false, bucket: 'other' }), true, 'us-west-2', 'us-east-1', BUCKET)).toEqual(['recording', 'all_supported', 'bucket']);
  });

  it('off: only that it does not record', () => {
    expect(recorderDrift(null, false, 'us-east-1', 'us-east-1', BUCKET)).toEqual([]);
    expect(recorderDrift(recording({ recording: false, bucket: 'other' }), false, 'us-east-1', 'us-east-1', BUCKET)).toEqual([]);
    expect(recorderDrift(recording(), false, 'us-east-1', 'us-east-1', BUCKET)).toEqual(['recording']);
  });
});

describe('configRecorderChange', () => {
  it("covers the account's region first, then its other regions", () => {
    expect(recorderRegions(foo(true))).toEqual(['us-east-1', 'ap-southeast-2']);
  });

  it('plans nothing where the DSL does not set it, the account was not read, or there is no bucket yet', () => {
    expect(configRecorderChange(foo(undefined), '555555555555', {}, BUCKET)).toBeUndefined();
    expect(configRecorderChange(foo(true), '555555555555', undefined, BUCKET)).toBeUndefined();
    expect(configRecorderChange(foo(true), '555555555555', {}, undefined)).toBeUndefined();
  });

  it('lists the regions that differ, with what differs, and carries every region of the account', () => {
    const change = configRecorderChange(foo(true), '555555555555', { 'us-east-1': recording({ include_global: true }), 'ap-southeast-2': recording({ recording: false }) }, BUCKET)!;
    expect(change).toEqual({
      type: 'config-recorder.put',
      target: 'foo',
      reason: 'setting-changed',
      before: { account_id: '555555555555', config_recorders: { 'ap-southeast-2': recording({ recording: false }) } },
      after: { config_recorder: true, regions: ['us-east-1', 'ap-southeast-2'], home_region: 'us-east-1', bucket: BUCKET, changed: { 'ap-southeast-2': ['recording'] } },
    });
    expect(configRecorderChange(foo(true), '555555555555', null, BUCKET)!.reason).toBe('missing-in-account');
  });

  it('off needs no bucket, and stops only what records', () => {
    const change = configRecorderChange(foo(false), '555555555555', { 'us-east-1': recording(), 'ap-southeast-2': null }, undefined)!;
    expect(change.after).toEqual({ config_recorder: false, regions: ['us-east-1', 'ap-southeast-2'], home_region: 'us-east-1', changed: { 'us-east-1': ['recording'] } });
    expect(configRecorderChange(foo(false), '555555555555', { 'us-east-1': recording({ recording: false }) }, undefined)).toBeUndefined();
  });
});
