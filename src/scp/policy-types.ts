/**
 * The policy types of AWS Organizations orgvend manages, and what differs between them:
 * where their files are, how large a document may be, and which grammar it follows. The
 * loader, the planner, the executor and the handler take a kind as a parameter; nothing
 * else is written per type.
 *
 * SCPs live in scps/ (as always); the others in policies/<folder>/<OU path>/<name>.json,
 * attached where their folder says, like SCPs:
 *   policies/rcp/         resource control policies (IAM grammar, Deny only, Principal "*")
 *   policies/tag/         tag policies              (management-policy grammar, key "tags")
 *   policies/backup/      backup policies           (management-policy grammar, key "plans")
 *   policies/ai-opt-out/  AI services opt-out       (management-policy grammar, key "services")
 */
import type { PolicyType } from '../protocol/requests.js';

export interface PolicyKind {
  type: PolicyType;
  /** Its folder, relative to the repository. */
  dir: string;
  /** Its folder under policies/, and the prefix of its changes' targets in a plan (`tag/cost-centre`). */
  short: string;
  /** What the plan and the errors call one. */
  label: string;
  /** AWS's limit on the document, in characters of what is sent (Organizations quotas); SCPs' is organization.limits.scp_max_characters. */
  maxCharacters: number;
  grammar: 'iam' | 'management';
  /** A management policy's one top-level key. */
  topKey?: string;
}

export const SCP_KIND: PolicyKind = { type: 'SERVICE_CONTROL_POLICY', dir: 'scps', short: 'scp', label: 'service control policy', maxCharacters: 10240, grammar: 'iam' };

/** policies/ holds one folder per kind. */
export const POLICIES_DIR = 'policies';

export const OTHER_KINDS: readonly PolicyKind[] = [
  { type: 'RESOURCE_CONTROL_POLICY', dir: `${POLICIES_DIR}/rcp`, short: 'rcp', label: 'resource control policy', maxCharacters: 5120, grammar: 'iam' },
  { type: 'TAG_POLICY', dir: `${POLICIES_DIR}/tag`, short: 'tag', label: 'tag policy', maxCharacters: 10000, grammar: 'management', topKey: 'tags' },
  { type: 'BACKUP_POLICY', dir: `${POLICIES_DIR}/backup`, short: 'backup', label: 'backup policy', maxCharacters: 10000, grammar: 'management', topKey: 'plans' },
  { type: 'AISERVICES_OPT_OUT_POLICY', dir: `${POLICIES_DIR}/ai-opt-out`, short: 'ai-opt-out', label: 'AI services opt-out policy', maxCharacters: 2500, grammar: 'management', topKey: 'services' },
];

export const kindOf = (type: PolicyType): PolicyKind => (type === SCP_KIND.type ? SCP_KIND : OTHER_KINDS.find((k) => k.type === type)!);
