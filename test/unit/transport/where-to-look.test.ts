/** Where a request's timeout sends the reader: places that exist where the run happened. */
import { describe, expect, it } from 'vitest';
import { NAMES } from '../../../src/protocol/names.js';
import { whereToLook, type BusTopology } from '../../../src/transport/transport.js';

const topology: BusTopology = {
  eventBus: 'orgvend-infra',
  homeRegion: 'ap-southeast-2',
  eventSource: 'app.infra',
  replyQueue: 'orgvend-replies',
  cicdAccountId: '222222222222',
  managementAccountId: '111111111111',
};

describe('where a timeout says to look', () => {
  it('in AWS: the request DLQ and the handler log group in the account asked, and the reply DLQ in the CICD account', () => {
    expect(whereToLook('111111111111', topology)).toBe(
      `the DLQ ${NAMES.requestDlq} and the handler log ${NAMES.handlerLogGroup} in account 111111111111, and the DLQ orgvend-replies-dlq in the CICD account 222222222222`,
    );
  });

  it('in the sandbox: the worker log, and no log group or DLQ', () => {
    const where = whereToLook('111111111111', { ...topology, workerLog: '/repo/.orgvend/sandbox/worker.log' });
    expect(where).toBe("the sandbox worker's log /repo/.orgvend/sandbox/worker.log, where the handler of account 111111111111 logs each request it takes");
    expect(where).not.toMatch(/DLQ|log group|\/aws\/lambda|CloudWatch/);
  });
});
