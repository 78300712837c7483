/**
 * The names every template sees as `names`, templates/*.njk and bootstrap.yml.njk alike:
 * orgvend's own (protocol/names), and those of what the bootstrap stack makes for the
 * stacks rendered from templates/, on which both must agree.
 */
import { NAMES } from '../protocol/names.js';

export const TEMPLATE_NAMES = {
  ...NAMES,
  /**
   * The role VPC flow logs deliver through, made once per account by the bootstrap stack.
   * The VPC template only names it, so the deployer role, which may pass it to VPC flow
   * logs and nothing else, never needs to make a role.
   */
  flowLogRole: 'orgvend-vpc-flow-logs',
  /** The VPC template's flow log group: the one log group that role may write to. */
  flowLogGroup: 'orgvend-vpc-flow-logs',
} as const;
