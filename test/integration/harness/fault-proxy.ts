/**
 * A loopback proxy in front of moto that injects the faults real networks and AWS make:
 * an answer lost after AWS acted (a 500, or the connection dropped, once moto has done
 * the work), throttling (the request never reaches moto), and a connection reset before
 * the request is sent on. Clients (the CLI's, the worker's) are pointed at the proxy; a
 * `decide` function picks each call's fate from its service and operation.
 */
import { request as httpRequest, createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault = 'pass' | 'lose-answer' | 'drop-after' | 'throttle' | 'reset';

export interface ProxiedCall {
  /** `Organizations`, `SQS`, `CloudFormation`, `S3`… as far as the request tells. */
  service: string;
  operation: string;
}

export interface FaultProxy {
  endpoint: string;
  /** Calls seen, by `service.operation`, and the faults injected into them. */
  seen: Map<string, { calls: number; faults: Partial<Record<Fault, number>> }>;
  /** Calls of `operation` that moto carried out (answered to the proxy), lost answers included. */
  reached(operation: string): number;
  decide: (call: ProxiedCall) => Fault;
  close(): Promise<void>;
}

/** Service and operation of a request, from the header JSON protocols send, or the query's Action. */
function classify(method: string, url: string, headers: IncomingHttpHeaders, body: Buffer): ProxiedCall {
  const target = headers['x-amz-target'];
  if (typeof target === 'string') {
    const [prefix = '', operation = ''] = target.split('.');
    return { service: prefix.replace(/(_?V?\d{8})$/, '').replace(/^AWS/, '').replace(/^Amazon/, ''), operation };
  }
  const action = /(?:^|&)Action=([A-Za-z]+)/.exec(body.toString('utf8'));
  if (action) {
    const credential = /Credential=[^/]+\/\d{8}\/[^/]+\/([a-z0-9-]+)\//.exec(String(headers.authorization ?? ''));
    return { service: credential?.[1] ?? 'query', operation: action[1]! };
  }
  return { service: 's3', operation: `${method} ${url.split('?')[0]}` };
}

function throttled(call: ProxiedCall, headers: IncomingHttpHeaders, response: ServerResponse): void {
  if (headers['x-amz-target']) {
    response.writeHead(400, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': 'ThrottlingException' });
    response.end(JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }));
  } else if (call.service === 's3') {
    response.writeHead(503, { 'content-type': 'application/xml' });
    response.end('<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>');
  } else {
    response.writeHead(400, { 'content-type': 'text/xml' });
    response.end('<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>');
  }
}

function lost(headers: IncomingHttpHeaders, response: ServerResponse): void {
  if (headers['x-amz-target']) {
    response.writeHead(500, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': 'InternalFailure' });
    response.end(JSON.stringify({ __type: 'InternalFailure', message: 'We encountered an internal error. Please try again.' }));
  } else {
    response.writeHead(500, { 'content-type': 'text/xml' });
    response.end('<ErrorResponse><Error><Type>Receiver</Type><Code>InternalFailure</Code><Message>internal error</Message></Error></ErrorResponse>');
  }
}

export async function startFaultProxy(target: string, decide: FaultProxy['decide'] = () => 'pass'): Promise<FaultProxy> {
  const upstream = new URL(target);
  const seen: FaultProxy['seen'] = new Map();
  const carriedOut = new Map<string, number>();
  const proxy: Partial<FaultProxy> = { seen, decide, reached: (operation) => carriedOut.get(operation) ?? 0 };

  const server = createServer((incoming: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      const call = classify(incoming.method ?? 'GET', incoming.url ?? '/', incoming.headers, body);
      const fault = proxy.decide!(call);
      const key = `${call.service}.${call.operation}`;
      const entry = seen.get(key) ?? { calls: 0, faults: {} };
      entry.calls += 1;
      if (fault !== 'pass') entry.faults[fault] = (entry.faults[fault] ?? 0) + 1;
      seen.set(key, entry);

      if (fault === 'throttle') return throttled(call, incoming.headers, response);
      if (fault === 'reset') return incoming.socket.destroy();
      const forward = httpRequest(
        // The Host header is the proxy's, as the client signed it: moto builds URLs from it (SQS's
        // QueueUrl), which the SDK then calls, so they lead back through the proxy rather than around it.
        { host: upstream.hostname, port: upstream.port, method: incoming.method, path: incoming.url, headers: incoming.headers },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => parts.push(chunk));
          answer.on('end', () => {
            carriedOut.set(call.operation, (carriedOut.get(call.operation) ?? 0) + 1);
            if (fault === 'lose-answer') return lost(incoming.headers, response);
            if (fault === 'drop-after') return incoming.socket.destroy();
            response.writeHead(answer.statusCode ?? 502, answer.headers);
            response.end(Buffer.concat(parts));
          });
        },
      );
      forward.on('error', () => incoming.socket.destroy());
      forward.end(body);
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  proxy.endpoint = `http://127.0.0.1:${port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy as FaultProxy;
}

/** A seeded random number generator, so that a failing run can be run again with the same faults. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
