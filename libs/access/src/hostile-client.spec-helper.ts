import { once } from 'node:events';
import { connect, type Socket } from 'node:net';

/**
 * A client that keeps sending and never reads or closes its side: what a slowloris attacker or a
 * broken client does to a server's shutdown. `stop()` ends it from the test side.
 */
export async function stubbornClient(port: number): Promise<{ socket: Socket; stop(): void }> {
  const socket = connect({ port, host: '127.0.0.1' });
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  socket.pause();
  const timer = setInterval(() => socket.writable && socket.write('N\r\n'), 50);
  socket.once('close', () => clearInterval(timer));
  return {
    socket,
    stop: () => {
      clearInterval(timer);
      socket.destroy();
    },
  };
}

/** A client that asks for STARTTLS (or STLS) and then sends nothing: the handshake never starts. */
export async function silentAfterStartTls(port: number, greeting: RegExp, command: string, goAhead: RegExp): Promise<Socket> {
  const socket = connect({ port, host: '127.0.0.1' });
  socket.on('error', () => undefined);
  let text = '';
  const until = (re: RegExp) =>
    new Promise<void>((resolve, reject) => {
      const check = () => (re.test(text) ? (socket.off('data', onData), resolve()) : undefined);
      const onData = (d: Buffer) => ((text += d.toString('latin1')), check());
      socket.on('data', onData);
      socket.once('close', () => reject(new Error(`closed before ${re}: ${text}`)));
      check();
    });
  await until(greeting);
  socket.write(`${command}\r\n`);
  await until(goAhead);
  return socket;
}
