/** What a call failed with, as "CODE: message" (undefined when it did not fail), for exact assertions on both. */
export async function failure(work: () => unknown): Promise<string | undefined> {
  try {
    await work();
    return undefined;
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    return `${code}: ${message}`;
  }
}
