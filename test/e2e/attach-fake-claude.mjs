#!/usr/bin/env node
// A stand-in for claude in the attach tests: a tiny full-screen-ish program
// that echoes what is typed, reports its size, and on command turns on
// terminal modes, asks the terminal a question, or exits with a status.
//   --query-at-start   ask for device attributes at once and print the answer
const write = (text) => process.stdout.write(text);
const size = () => `${process.stdout.columns}x${process.stdout.rows}`;
const show = (text) => JSON.stringify(text).slice(1, -1);
const ESC = '\x1b';
const DEVICE_ATTRIBUTES = new RegExp(`${ESC}\\[\\?[\\d;]*c`, 'g');
const CSI_SEQUENCE = new RegExp(`${ESC}\\[[0-9;<>?]*[ -/]*[@-~]`, 'g');

process.stdin.setRawMode(true);
process.stdin.resume();
write(`\x1b[1;32mfake claude\x1b[0m ready ${size()}\r\n> `);
process.stdout.on('resize', () => write(`\r\nsize ${size()}\r\n> `));
process.on('SIGHUP', () => process.exit(129));

let line = '';
/** While set, input is collected as answers to a query instead of being typed. */
let answers;

const ask = (then) => {
  answers = '';
  write('\x1b[c');
  setTimeout(() => {
    const got = answers;
    answers = undefined;
    then(got);
  }, 700);
};

if (process.argv.includes('--query-at-start')) ask((got) => write(`startup answer ${show(got)}\r\n> `));

const run = (command) => {
  const [name, arg] = command.trim().split(/\s+/);
  if (name === 'exit') process.exit(Number(arg ?? 0));
  if (name === 'modes') return write('\x1b[?2004h\x1b[?1000h\x1b[?1006h\x1b[?1004h\x1b[?25lmodes on\r\n> ');
  if (name === 'query') {
    return ask((got) => {
      const count = (got.match(DEVICE_ATTRIBUTES) ?? []).length;
      write(`answers ${count} ${show(got)}\r\n> `);
    });
  }
  write(`got: ${command}\r\n> `);
};

process.stdin.on('data', (data) => {
  const text = data.toString('latin1');
  if (answers !== undefined) {
    answers += text;
    return;
  }
  // Focus and mouse reports are not part of a command.
  for (const char of text.replace(CSI_SEQUENCE, '')) {
    if (char === '\r') {
      write('\r\n');
      const command = line;
      line = '';
      run(command);
    } else if (char >= ' ') {
      line += char;
      write(char);
    }
  }
});
