/**
 * The SDK's connection notes (`connecting`, `reconnecting in 812 ms: …`) in the words a person
 * reads in the Activity panel; every other entry is already worded for people and kept as it is.
 */
export function activityWords(kind: string, message: string): string {
  if (kind !== 'status') return message;
  switch (message) {
    case 'connecting':
      return 'Connecting…';
    case 'connected':
      return 'Connected';
    case 'waiting':
      return 'Waiting for the host to let you in';
  }
  const retry = /^reconnecting in \d+ ms: (.*)$/.exec(message);
  if (retry) return `Connection lost (${retry[1]}); trying again`;
  const ended = /^disconnected: (.*)$/.exec(message);
  if (ended) return `Disconnected: ${ended[1]}`;
  return message;
}
