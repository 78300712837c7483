/**
 * Names of the resources the bootstrap stack creates in every account, shared by the
 * templates, the worker, the transport and the messages that say where to look.
 */
export const NAMES = {
  stack: 'orgvend-bootstrap',
  requestQueue: 'orgvend-requests',
  requestDlq: 'orgvend-requests-dlq',
  handlerFunction: 'orgvend-handler',
  /** Named, so that a service control policy can exempt the handler of the delegated administrator. */
  handlerRole: 'orgvend-handler',
  handlerLogGroup: '/aws/lambda/orgvend-handler',
  auditLogGroup: '/orgvend/audit',
} as const;

export const replyDlqName = (replyQueue: string) => `${replyQueue}-dlq`;
