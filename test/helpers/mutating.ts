/**
 * AWS operations that change something, leaving out the bus's own messaging (requests and
 * replies) and the handlers' record of the requests they acted on (the nonce ledger, the
 * only DynamoDB table orgvend writes).
 */
const MESSAGING = new Set(['PutEvents', 'SendMessage', 'DeleteMessage', 'DeleteMessageBatch', 'ChangeMessageVisibility', 'ChangeMessageVisibilityBatch', 'PutItem', 'UpdateItem']);
const CHANGES = /^(Create|Delete|Put|Update|Move|Tag|Untag|Close|Attach|Detach|Register|Deregister|Enable|Disable|Execute|Invite|Remove|Accept|Leave|Set|Start|Stop|Upload)/;

export function isMutating(operation: string): boolean {
  return !MESSAGING.has(operation) && CHANGES.test(operation);
}
