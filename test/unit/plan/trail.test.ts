import { describe, expect, it } from 'vitest';
import { planTrail } from '../../../src/plan/trail.js';
import type { LiveTrail } from '../../../src/protocol/requests.js';
import { renderPlanText } from '../../../src/views/plan.js';
import { planSecurity } from '../../../src/plan/security.js';
import { style } from '../../../src/views/style.js';
import { desiredOf, errorsOf, parse } from '../../helpers/dsl.js';
import { convergedLive, MINIMAL_IDS } from '../../helpers/live.js';

const TRAIL_DSL: Parameters<typeof desiredOf>[0] = [
  [['organization', 'logs_account'], 'dns'],
  [['organization', 'security'], { trail: {} }],
];
const BUCKET = `aws-waf-logs-orgvend-${MINIMAL_IDS.dns}-us-east-1`;
const good: LiveTrail = {
  name: 'organization-trail',
  bucket: BUCKET,
  home_region: 'ap-southeast-2',
  multi_region: true,
  organization: true,
  log_file_validation: true,
  global_service_events: true,
  logging: true,
};

describe('planning the organization trail', () => {
  it('creates organization-trail (what protect-cloudtrail protects) into the logs account’s bucket', () => {
    const d = desiredOf(TRAIL_DSL);
    const { changes } = planTrail(d, convergedLive(d), null);
    expect(changes).toEqual([
      {
        type: 'trail.create',
        target: 'organization-trail',
        reason: 'missing-in-org',
        before: null,
        after: { name: 'organization-trail', bucket: BUCKET, multi_region: true, organization: true, log_file_validation: true, global_service_events: true, logging: true },
      },
    ]);
  });

  it('plans nothing for a trail that is as wanted and logs', () => {
    const d = desiredOf(TRAIL_DSL);
    expect(planTrail(d, convergedLive(d), good).changes).toEqual([]);
  });

  it('puts back each setting changed by hand, and starts logging', () => {
    const d = desiredOf(TRAIL_DSL);
    const plan = planSecurity(d, { live: convergedLive(d), delegations: new Map(), trail: { ...good, multi_region: false, bucket: 'elsewhere', logging: false } });
    expect(plan.changes).toMatchObject([{ type: 'trail.update', reason: 'settings-changed', after: { changed: ['bucket', 'multi_region'] } }]);
    expect(renderPlanText(plan, style(false))).toContain(`~ trail.update  organization-trail  bucket: elsewhere → ${BUCKET}, multi_region: false → true; start logging  (settings-changed)`);
    const stopped = planTrail(d, convergedLive(d), { ...good, logging: false });
    expect(stopped.changes).toMatchObject([{ type: 'trail.update', reason: 'not-logging' }]);
  });

  it('waits for the logs account, and plans nothing without a trail in the DSL', () => {
    const d = desiredOf(TRAIL_DSL);
    expect(planTrail(d, convergedLive(d, ['foo']), null)).toEqual({ changes: [], notes: ['trail organization-trail: the logs account dns is not in the organization yet; run sync-accounts first'] });
    const none = desiredOf();
    expect(planTrail(none, convergedLive(none), undefined)).toEqual({ changes: [], notes: [] });
  });
});

describe('validating the organization trail', () => {
  it('needs a logs account', () => {
    expect(errorsOf(parse([[['organization', 'security'], { trail: {} }]]))).toMatchObject([{ code: 'trail-without-logs-account', path: 'organization.security.trail' }]);
  });

  it('refuses a trail protect-cloudtrail does not protect, and a name CloudTrail refuses', () => {
    const mismatch = parse([...TRAIL_DSL, [['organization', 'security'], { trail: { name: 'my-trail' } }], [['organization', 'scps'], { parameters: { cloudtrail_name: 'organization-trail' } }]]);
    expect(errorsOf(mismatch)).toMatchObject([{ code: 'trail-not-protected' }]);
    expect(errorsOf(parse([...TRAIL_DSL, [['organization', 'security'], { trail: { name: 'a\nb' } }]]))).toMatchObject([{ code: 'invalid-value' }]);
  });
});
