import { once } from 'node:events';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';

/** Two ends of a real loopback TCP connection: `server` for the code under test, `client` to read what it wrote. */
export async function socketPair(): Promise<{ server: Socket; client: Socket; received: Buffer[] }> {
  const listener = createServer();
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  const accepted = once(listener, 'connection') as Promise<[Socket]>;
  const client = connect((listener.address() as AddressInfo).port, '127.0.0.1');
  const [server] = await accepted;
  listener.close();
  const received: Buffer[] = [];
  client.on('data', (d: Buffer) => received.push(d));
  client.on('error', () => undefined);
  server.on('error', () => undefined);
  return { server, client, received };
}
