// Signal names and numbers. Numbers differ between Linux and macOS (SIGUSR1
// is 10 on Linux, 30 on macOS); os.constants has this platform's.
import { constants } from 'node:os';

export function signalName(signal: number): string {
  for (const [name, number] of Object.entries(constants.signals)) if (number === signal) return name;
  return `signal ${signal}`;
}

export function signalNumber(name: NodeJS.Signals): number {
  return constants.signals[name];
}
