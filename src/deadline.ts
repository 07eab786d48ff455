/**
 * `promise`, or a rejection with `Error(message)` once `ms` have passed; the timer is cleared
 * either way, and a late rejection of `promise` is still handled (by the race).
 */
export async function within<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
