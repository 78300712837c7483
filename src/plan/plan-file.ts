/**
 * A saved plan file (`--out`), checked when it is read back (`--plan`). Apart from
 * plan.ts so the views, which every action loads, do not load zod.
 */
import { z } from 'zod';
import { CHANGE_KINDS, PLAN_VERSION, type ChangeType } from './plan.js';

const ChangeTypeSchema = z.enum(Object.keys(CHANGE_KINDS) as [ChangeType, ...ChangeType[]]);

/** Its shape: a file that is not one is refused, not applied. */
export const PlanFile = z.object({
  version: z.literal(PLAN_VERSION, { error: `a plan made by this version of orgvend (format ${PLAN_VERSION})` }),
  action: z.string(),
  basis: z.object({ config: z.string(), live: z.string() }),
  changes: z.array(
    z.object({ type: ChangeTypeSchema, target: z.string(), reason: z.string(), before: z.unknown(), after: z.unknown(), affects: z.array(z.string()).optional() }),
  ),
  summary: z.record(z.string(), z.number()),
  unmanaged: z.array(z.object({ id: z.string(), name: z.string(), email: z.string(), ou: z.string() })),
  notes: z.array(z.string()),
  conflicts: z.array(z.string()).default([]),
  preview: z
    .array(
      z.object({
        action: z.string(),
        region: z.string().optional(),
        principal: z.string().optional(),
        resource: z.string().optional(),
        transitions: z.array(z.object({ account: z.string(), before: z.string(), after: z.string(), reason: z.string() })),
      }),
    )
    .optional(),
});
