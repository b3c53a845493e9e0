import type { ActivityEntry } from '../types.js';

/** The last `capacity` events, newest first: what a debugging panel shows. */
export class ActivityLog {
  private entries: ActivityEntry[] = [];

  constructor(private readonly capacity = 20) {}

  add(kind: ActivityEntry['kind'], message: string, at = Date.now()): ActivityEntry {
    const entry = { at, kind, message };
    this.entries = [entry, ...this.entries].slice(0, this.capacity);
    return entry;
  }

  list(): readonly ActivityEntry[] {
    return this.entries;
  }
}
