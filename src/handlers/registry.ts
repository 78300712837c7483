/** Every request type's handler. The type makes a missing handler a compile error. */
import type { PayloadOf, RequestType, ResultOf } from '../protocol/requests.js';
import type { Handler } from './context.js';
import { bootstrapAccounts } from './bootstrap-accounts.js';
import { closeAccount, moveAccount, recordApplied, retireAccount, tagAccount } from './account-changes.js';
import { disableRegion, enableRegion, getContacts, getRegions, putContacts } from './account-settings.js';
import { createAccount } from './create-account.js';
import { describeAccounts } from './describe-accounts.js';
import { deregisterDelegatedAdmin, enableTrustedAccess, listDelegatedAdmins, registerDelegatedAdminHandler } from './delegated-admin.js';
import { listAccounts, listOus } from './list-organization.js';
import { createOu } from './organization-units.js';
import { getParameters, putParameters } from './parameters.js';
import { ping } from './ping.js';
import { putPublicAccessBlock } from './public-access-block.js';
import { putConfigRecorder } from './config-recorder.js';
import { readAccounts } from './read-accounts.js';
import { createRecord, getRecord } from './dns.js';
import { deleteStackHandler, deployStackHandler, getStacks } from './stacks.js';
import { getTrail, putTrail } from './trail.js';
import { enableServiceAdmin, getConfigAggregator, getGuardDuty, getSecurityHub, getServiceAdmins, putConfigAggregator, putGuardDuty, putSecurityHub } from './security-services.js';
import { createAssignment, deleteAssignment, getAssignments, getIdentityCenter, putPermissionSet } from './identity-center.js';
import { attachPolicy, deletePolicy, detachPolicy, enablePolicyType, listPolicies, putPolicy } from './policies.js';

export const HANDLERS: { [T in RequestType]: Handler<PayloadOf<T>, ResultOf<T>> } = {
  PING: ping,
  LIST_OUS: listOus,
  LIST_ACCOUNTS: listAccounts,
  CREATE_OU: createOu,
  CREATE_ACCOUNT: createAccount,
  MOVE_ACCOUNT: moveAccount,
  TAG_ACCOUNT: tagAccount,
  RECORD_APPLIED: recordApplied,
  RETIRE_ACCOUNT: retireAccount,
  CLOSE_ACCOUNT: closeAccount,
  DESCRIBE_ACCOUNTS: describeAccounts,
  LIST_POLICIES: listPolicies,
  ENABLE_POLICY_TYPE: enablePolicyType,
  PUT_POLICY: putPolicy,
  ATTACH_POLICY: attachPolicy,
  DETACH_POLICY: detachPolicy,
  DELETE_POLICY: deletePolicy,
  GET_CONTACTS: getContacts,
  PUT_CONTACTS: putContacts,
  GET_REGIONS: getRegions,
  ENABLE_REGION: enableRegion,
  DISABLE_REGION: disableRegion,
  REGISTER_DELEGATED_ADMIN: registerDelegatedAdminHandler,
  LIST_DELEGATED_ADMINS: listDelegatedAdmins,
  ENABLE_TRUSTED_ACCESS: enableTrustedAccess,
  DEREGISTER_DELEGATED_ADMIN: deregisterDelegatedAdmin,
  GET_TRAIL: getTrail,
  PUT_TRAIL: putTrail,
  GET_SERVICE_ADMINS: getServiceAdmins,
  ENABLE_SERVICE_ADMIN: enableServiceAdmin,
  GET_GUARDDUTY: getGuardDuty,
  PUT_GUARDDUTY: putGuardDuty,
  GET_SECURITYHUB: getSecurityHub,
  PUT_SECURITYHUB: putSecurityHub,
  GET_CONFIG_AGGREGATOR: getConfigAggregator,
  PUT_CONFIG_AGGREGATOR: putConfigAggregator,
  BOOTSTRAP_ACCOUNTS: bootstrapAccounts,
  GET_PARAMETERS: getParameters,
  PUT_PARAMETERS: putParameters,
  PUT_PUBLIC_ACCESS_BLOCK: putPublicAccessBlock,
  PUT_CONFIG_RECORDER: putConfigRecorder,
  GET_STACKS: getStacks,
  READ_ACCOUNTS: readAccounts,
  DEPLOY_STACK: deployStackHandler,
  DELETE_STACK: deleteStackHandler,
  GET_RECORD: getRecord,
  CREATE_RECORD: createRecord,
  GET_IDENTITY_CENTER: getIdentityCenter,
  GET_ASSIGNMENTS: getAssignments,
  PUT_PERMISSION_SET: putPermissionSet,
  CREATE_ASSIGNMENT: createAssignment,
  DELETE_ASSIGNMENT: deleteAssignment,
};
