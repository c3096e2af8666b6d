// Driving a session from a Node program: start it in the background, watch
// its output, type into it, wait for it, read what it printed, stop it.
import { resolvePaths, SessionManager } from 'csm';

const manager = new SessionManager({ paths: resolvePaths() });

// Hosted by this process, with no terminal: it ends when this process does.
// Without `command` it would be Claude Code; any program works.
const session = await manager.start({
  command: 'sh',
  args: ['-c', 'printf "name? "; read name; echo "hello, $name"; read done'],
});
const { id } = session.record;

// Every chunk of output as it comes (`csm logs --follow` from a program).
let printed = '';
const output = manager.subscribe(id, (chunk) => {
  printed += chunk.toString('utf8');
});

// Idle: no output or input for two seconds. It asked its question.
await manager.waitFor(id, 'idle', { timeoutMs: 10_000 });

// Type a name and press Enter once the program has taken the text.
await manager.send(id, { text: 'csm', enter: true });
await manager.waitFor(id, 'idle', { timeoutMs: 10_000 });

const { status } = await manager.status(id);
console.log(`status: ${status.kind}`);
console.log(`live output ended with: ${JSON.stringify(printed.trim().split('\n').at(-1))}`);
// The recorded history, rendered as `csm logs` shows it.
console.log((await manager.readText(id))?.join('\n'));

output.stop();
await manager.stopSession(session.record);
const ended = await session.ended;
console.log(`ended: ${ended.exit.signal === undefined ? `exit ${ended.exit.exitCode}` : 'killed'}`);
