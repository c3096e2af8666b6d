// Control-socket operations on a session's I/O, added to the core protocol
// (control-protocol.ts): ask for its activity, type into it, write raw bytes.
//
//   {"v":1,"op":"status"}                                   -> {"ok":true,"event":"status","activity":{...},"recording":true}
//   {"v":1,"op":"send","text":"hi","keys":["Up"],"enter":true} -> {"ok":true,"event":"sent","bytes":6}
//   {"v":1,"op":"write","data":"<base64>"}                  -> {"ok":true,"event":"sent","bytes":3}
import type { ActivitySnapshot } from './activity.js';
import { CsmError } from './errors.js';
import { parseKeyName } from './keys.js';

export type SessionIoRequest =
  | { readonly v: number; readonly op: 'status' }
  | {
      readonly v: number;
      readonly op: 'send';
      readonly text?: string | undefined;
      readonly keys?: readonly string[] | undefined;
      readonly enter?: boolean | undefined;
    }
  | { readonly v: number; readonly op: 'write'; readonly data: string };

export type SessionIoReply =
  | { readonly ok: true; readonly event: 'status'; readonly activity: ActivitySnapshot; readonly recording: boolean }
  | { readonly ok: true; readonly event: 'sent'; readonly bytes: number };

/** Keys in one send; more is a script gone wrong. */
const MAX_KEYS = 256;

/**
 * Parses the I/O ops; undefined for any other op (the core parser goes on), a
 * string for a malformed request (the error to send back).
 */
export function parseSessionIoRequest(r: Readonly<Record<string, unknown>>, v: number): SessionIoRequest | string | undefined {
  switch (r.op) {
    case 'status':
      return { v, op: 'status' };
    case 'send': {
      if (r.text !== undefined && typeof r.text !== 'string') return 'send: text must be a string';
      if (r.enter !== undefined && typeof r.enter !== 'boolean') return 'send: enter must be true or false';
      if (r.keys !== undefined && (!Array.isArray(r.keys) || r.keys.length > MAX_KEYS || !r.keys.every((k) => typeof k === 'string'))) {
        return `send: keys must be a list of at most ${MAX_KEYS} key names`;
      }
      const keys = r.keys as string[] | undefined;
      for (const key of keys ?? []) {
        try {
          parseKeyName(key);
        } catch (error) {
          if (error instanceof CsmError) return `send: ${error.message}`;
          throw error;
        }
      }
      return { v, op: 'send', text: r.text, keys, enter: r.enter };
    }
    case 'write':
      if (typeof r.data !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(r.data)) return 'write: data must be base64';
      return { v, op: 'write', data: r.data };
    default:
      return undefined;
  }
}
