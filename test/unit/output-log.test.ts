import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { LogReader, listSegments, readLog, readSizes } from '../../src/output-log.js';
import { BATCH_DELAY_MS, MIN_LOG_MAX_BYTES, OutputRecorder } from '../../src/output-recorder.js';

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'csm5-log-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function open(dir: string, maxBytes = 1024 * 1024) {
  const warnings: string[] = [];
  const recorder = OutputRecorder.open({ dir, maxBytes, cols: 80, rows: 24, onStop: (message) => warnings.push(message) });
  return { recorder, warnings };
}

test('recorded output reads back byte for byte, in private files', async (t) => {
  const dir = join(tempDir(t), 'logs', 'id');
  const { recorder, warnings } = open(dir);
  const chunks = [Buffer.from('hello\r\n'), Buffer.from([0x1b, 0x5b, 0x33, 0x31, 0x6d, 0xe2, 0x9c]), Buffer.from([0xb3, 0x07])];
  for (const chunk of chunks) recorder.append(chunk);
  await recorder.close();
  assert.deepEqual(readLog(dir), [{ start: 0, bytes: Buffer.concat(chunks) }]);
  assert.deepEqual(warnings, []);
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  for (const name of readdirSync(dir)) assert.equal(statSync(join(dir, name)).mode & 0o777, 0o600, name);
});

test('resizes are recorded at the byte offset where they happened', async (t) => {
  const dir = tempDir(t);
  const { recorder } = open(join(dir, 'log'));
  recorder.append(Buffer.from('12345'));
  recorder.resize(120, 40);
  recorder.resize(120, 40);
  recorder.append(Buffer.from('678'));
  recorder.resize(100, 30);
  await recorder.close();
  assert.deepEqual(readSizes(join(dir, 'log')), [
    { offset: 0, cols: 80, rows: 24 },
    { offset: 5, cols: 120, rows: 40 },
    { offset: 8, cols: 100, rows: 30 },
  ]);
});

test('the history is capped: old segments are dropped, the newest bytes are kept', async (t) => {
  const dir = join(tempDir(t), 'log');
  const { recorder, warnings } = open(dir, MIN_LOG_MAX_BYTES);
  const total = MIN_LOG_MAX_BYTES * 5;
  const all = Buffer.alloc(total);
  for (let i = 0; i < total; i++) all[i] = 0x41 + (i % 26);
  for (let at = 0; at < total; at += 1000) {
    recorder.append(all.subarray(at, Math.min(total, at + 1000)));
    // Let some writes finish between appends, as output does in real life.
    if (at % 10_000 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  await recorder.close();
  assert.deepEqual(warnings, []);
  const segments = listSegments(dir);
  assert.equal(segments.length, 2);
  let onDisk = 0;
  for (const segment of segments) onDisk += statSync(segment.path).size;
  assert.ok(onDisk <= MIN_LOG_MAX_BYTES, `${onDisk} bytes on disk`);
  const pieces = readLog(dir) ?? [];
  assert.ok(pieces.length > 0);
  for (const piece of pieces) assert.deepEqual(piece.bytes, all.subarray(piece.start, piece.start + piece.bytes.length));
  const last = pieces.at(-1);
  assert.equal(last === undefined ? 0 : last.start + last.bytes.length, total);
});

test('a single write larger than a segment keeps its tail', async (t) => {
  const dir = join(tempDir(t), 'log');
  const { recorder } = open(dir, MIN_LOG_MAX_BYTES);
  const big = Buffer.alloc(MIN_LOG_MAX_BYTES * 2, 'x');
  big.write('END', big.length - 3);
  recorder.append(big);
  await recorder.close();
  const [log, ...more] = readLog(dir) ?? [];
  assert.ok(log !== undefined);
  assert.deepEqual(more, []);
  assert.equal(log.start + log.bytes.length, big.length);
  assert.equal(log.bytes.subarray(-3).toString(), 'END');
});

test('a reader following a growing log gets each byte once, across segments', async (t) => {
  const dir = join(tempDir(t), 'log');
  const { recorder } = open(dir, 1024 * 1024);
  const reader = new LogReader(dir);
  const seen: Buffer[] = [];
  const sent: Buffer[] = [];
  for (let round = 0; round < 30; round++) {
    const chunk = Buffer.alloc(40_000, 0x30 + round);
    sent.push(chunk);
    recorder.append(chunk);
    await new Promise((resolve) => setTimeout(resolve, 2));
    for (const piece of reader.read()) seen.push(piece.bytes);
  }
  await recorder.close();
  for (const piece of reader.read()) seen.push(piece.bytes);
  assert.ok(listSegments(dir).length === 2, 'it did rotate');
  assert.equal(reader.skipped, 0);
  assert.deepEqual(Buffer.concat(seen), Buffer.concat(sent));
  assert.deepEqual(reader.read(), []);
});

test('a history directory that cannot be created stops recording with one warning and later appends do nothing', async (t) => {
  const base = tempDir(t);
  writeFileSync(join(base, 'file'), '');
  const { recorder, warnings } = open(join(base, 'file', 'log'));
  recorder.append(Buffer.from('lost'));
  recorder.append(Buffer.from('lost again'));
  await recorder.close();
  assert.equal(warnings.length, 1);
  assert.match(warnings[0] ?? '', /output history stopped .*session goes on/);
  assert.equal(recorder.recording, false);
});

test('a session with no history reads as undefined', (t) => {
  assert.equal(readLog(join(tempDir(t), 'nothing')), undefined);
});

test('small output reaches the disk within the batch delay, without waiting for more', async (t) => {
  const dir = join(tempDir(t), 'log');
  const { recorder } = open(dir);
  recorder.append(Buffer.from('just a prompt> '));
  const deadline = Date.now() + BATCH_DELAY_MS * 20;
  while (Date.now() < deadline && (readLog(dir)?.[0]?.bytes.length ?? 0) === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(readLog(dir)?.[0]?.bytes.toString(), 'just a prompt> ');
  await recorder.close();
});

test('recorded() hands over exactly what was appended at any moment: files, the write in flight and what is pending', async (t) => {
  const dir = join(tempDir(t), 'log');
  const { recorder } = open(dir, MIN_LOG_MAX_BYTES);
  const total = MIN_LOG_MAX_BYTES * 3;
  const all = Buffer.alloc(total);
  for (let i = 0; i < total; i++) all[i] = 0x41 + (i % 26);
  let appended = 0;
  let checks = 0;
  const check = () => {
    const recorded = recorder.recorded();
    assert.ok(recorded !== undefined);
    const bytes = Buffer.concat(recorded.bytes);
    assert.equal(recorded.start + bytes.length, appended);
    assert.ok(bytes.equals(all.subarray(recorded.start, appended)));
    // At least one whole segment of context, as readers of the files get.
    assert.ok(bytes.length >= Math.min(appended, MIN_LOG_MAX_BYTES / 2));
    checks += 1;
  };
  for (let at = 0; at < total; at += 700) {
    const end = Math.min(total, at + 700);
    recorder.append(all.subarray(at, end));
    appended = end;
    if (at === 21_000) recorder.resize(100, 30);
    check();
    if (at % 7000 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  const sizes = recorder.recorded()?.sizes ?? [];
  assert.deepEqual(sizes.at(-1), { offset: 21_700, cols: 100, rows: 30 });
  await recorder.close();
  check();
  assert.ok(checks > 100);
});

test('recorded() gives nothing once recording failed: the history has a hole', async (t) => {
  const dir = join(tempDir(t), 'log');
  const { recorder, warnings } = open(dir, MIN_LOG_MAX_BYTES);
  recorder.append(Buffer.from('before'));
  await new Promise((resolve) => setTimeout(resolve, BATCH_DELAY_MS * 2));
  rmSync(dir, { recursive: true, force: true });
  writeFileSync(dir, 'not a directory');
  recorder.append(Buffer.alloc(300 * 1024, 0x41));
  await new Promise((resolve) => setTimeout(resolve, BATCH_DELAY_MS * 2));
  await recorder.close();
  assert.equal(recorder.recorded(), undefined);
  assert.equal(warnings.length, 1);
});
