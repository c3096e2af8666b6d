// Waiting for something that should come at once, but not for ever: a
// helper process's exit, a worker's answer. The timer goes as soon as the
// wait ends, so it never keeps the process alive.

/** `promise`'s value if it settles within `ms`, else `late`. */
export async function within<T>(promise: Promise<T>, ms: number, late: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(late), ms);
  });
  try {
    return await Promise.race([promise, bound]);
  } finally {
    clearTimeout(timer);
  }
}
