/**
 * Participant colours: distinct hues that stay readable as text and outlines on light and dark
 * backgrounds.
 */
export const PALETTE: readonly string[] = [
  '#e5484d',
  '#0090ff',
  '#30a46c',
  '#f76b15',
  '#8e4ec6',
  '#12a594',
  '#d6409f',
  '#ffc53d',
  '#3e63dd',
  '#7ce2fe',
  '#a18072',
  '#5bb98b',
];

/** Users whose colour the room keeps, at most: past it, the one away longest is forgotten. */
const MAX_REMEMBERED = 1024;

/**
 * Each user's colour, for the room's life: given at the user's first connection, the same for
 * every tab and after every reconnect. A colour is never given to another user while its owner is
 * present, nor while its owner may come back, unless the palette is exhausted: then the colour
 * unused longest goes, and a user whose colour went gets a fresh one when back.
 */
export class ColorBook {
  private readonly byUser = new Map<string, string>();
  /** When each colour was last in use by someone present (its owner's last connect or leave). */
  private readonly lastUsed = new Map<string, number>();

  constructor(private readonly now: () => number) {}

  /** `userId`'s colour, given now if it has none; `present` holds the users connected now. */
  colorFor(userId: string, present: ReadonlySet<string>): string {
    const known = this.byUser.get(userId);
    if (known !== undefined) {
      this.touch(userId, known);
      return known;
    }
    const color = this.pick(present);
    for (const [owner, c] of this.byUser) if (c === color && !present.has(owner)) this.byUser.delete(owner);
    this.touch(userId, color);
    if (this.byUser.size > MAX_REMEMBERED) this.forgetOldest(present);
    return color;
  }

  /** The user's last connection left: its colour counts as used until now. */
  left(userId: string): void {
    const color = this.byUser.get(userId);
    if (color !== undefined) this.lastUsed.set(color, this.now());
  }

  private touch(userId: string, color: string): void {
    // Re-inserted, so the map's order runs from the user seen longest ago to the latest.
    this.byUser.delete(userId);
    this.byUser.set(userId, color);
    this.lastUsed.set(color, this.now());
  }

  /**
   * A colour nobody owns; else, of those no present user has, the one unused longest; else (more
   * people present than colours) the one fewest present users share.
   */
  private pick(present: ReadonlySet<string>): string {
    const owners = new Map<string, number>();
    const presentOwners = new Map<string, number>();
    for (const [user, color] of this.byUser) {
      owners.set(color, (owners.get(color) ?? 0) + 1);
      if (present.has(user)) presentOwners.set(color, (presentOwners.get(color) ?? 0) + 1);
    }
    const free = PALETTE.find((color) => !owners.has(color));
    if (free !== undefined) return free;
    let best: string | undefined;
    for (const color of PALETTE) {
      if (presentOwners.has(color)) continue;
      if (best === undefined || (this.lastUsed.get(color) ?? 0) < (this.lastUsed.get(best) ?? 0))
        best = color;
    }
    if (best !== undefined) return best;
    best = PALETTE[0]!;
    for (const color of PALETTE) if (presentOwners.get(color)! < presentOwners.get(best)!) best = color;
    return best;
  }

  private forgetOldest(present: ReadonlySet<string>): void {
    for (const user of this.byUser.keys()) {
      if (present.has(user)) continue;
      this.byUser.delete(user);
      return;
    }
  }
}
