/**
 * One batch of request messages, the same way for Lambda's SQS event source and the
 * local worker: each message is handled on its own; a message whose reply could not be
 * sent is reported failed and comes back (then to the DLQ); everything else is done with,
 * refusals included.
 */
export interface QueueMessage {
  id: string;
  body: string;
}

export async function processBatch(messages: readonly QueueMessage[], handle: (event: unknown) => Promise<unknown>): Promise<string[]> {
  const failed: string[] = [];
  await Promise.all(
    messages.map(async (message) => {
      let event: unknown;
      try {
        event = JSON.parse(message.body);
      } catch {
        event = { invalid: 'body is not JSON' };
      }
      try {
        await handle(event);
      } catch (error) {
        console.error(`request message ${message.id} failed and will be retried: ${(error as Error).message}`);
        failed.push(message.id);
      }
    }),
  );
  return failed;
}
