/**
 * How much input orgvend reads. Every limit is checked before the input is parsed, so a
 * file that is too large, or YAML that multiplies itself through aliases, is refused at
 * its line in bounded time and memory instead of exhausting either. The README lists
 * them (accounts.yml, "Limits on input").
 */

const KiB = 1024;
const MiB = 1024 * KiB;

/** accounts.yml: about 20,000 accounts of ten lines each. */
export const MAX_DSL_BYTES = 4 * MiB;

/** A file under scps/: a policy is at most 10,240 characters minified, so this leaves room for layout and comments. */
export const MAX_POLICY_BYTES = 256 * KiB;

/** A file under templates/: CloudFormation takes a template of at most 1 MB (from S3). */
export const MAX_TEMPLATE_BYTES = 1 * MiB;

/**
 * Values the YAML of accounts.yml may hold once its aliases (`*name`) are expanded: a
 * file at MAX_DSL_BYTES holds about 400,000 without any. Each alias counts as the values
 * of the node it names, so anchors used as building blocks ("billion laughs") cannot
 * make a few lines into billions of values.
 */
export const MAX_EXPANDED_VALUES = 1_000_000;
