import { describe, expect, it } from 'vitest';
import { activityWords } from '../src/activity-words.js';

describe('connection notes in the Activity panel', () => {
  it('reads the SDK’s status notes as a person would say them', () => {
    expect(activityWords('status', 'connecting')).toBe('Connecting…');
    expect(activityWords('status', 'connected')).toBe('Connected');
    expect(activityWords('status', 'waiting')).toBe('Waiting for the host to let you in');
    expect(activityWords('status', 'reconnecting in 812 ms: connection closed (1006)')).toBe(
      'Connection lost (connection closed (1006)); trying again',
    );
    expect(activityWords('status', 'disconnected: the host ended the session')).toBe(
      'Disconnected: the host ended the session',
    );
  });

  it('keeps what is already in words', () => {
    expect(activityWords('status', '1 edit unsent before a reload, sending again')).toBe(
      '1 edit unsent before a reload, sending again',
    );
    expect(activityWords('op', 'Ada drew a stroke')).toBe('Ada drew a stroke');
  });
});
