/** AWS operations that change something, leaving out the bus's own messaging (requests and replies). */
const MESSAGING = new Set(['PutEvents', 'SendMessage', 'DeleteMessage', 'DeleteMessageBatch', 'ChangeMessageVisibility', 'ChangeMessageVisibilityBatch']);
const CHANGES = /^(Create|Delete|Put|Update|Move|Tag|Untag|Close|Attach|Detach|Register|Deregister|Enable|Disable|Execute|Invite|Remove|Accept|Leave|Set|Start|Stop|Upload)/;

export function isMutating(operation: string): boolean {
  return !MESSAGING.has(operation) && CHANGES.test(operation);
}
