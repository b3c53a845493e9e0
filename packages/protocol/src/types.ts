import type { FieldKind, FieldList, MESSAGES, MessageName } from './schema.js';

type FieldValue<K extends FieldKind> = K extends 'u8' | 'u16' | 'varuint' | 'f32' | 'f64'
  ? number
  : K extends 'bool'
    ? boolean
    : K extends 'str'
      ? string
      : K extends 'bytes'
        ? Uint8Array
        : K extends 'strs'
          ? string[]
          : K extends { readonly enum: readonly (infer E)[] }
            ? E
            : K extends { readonly list: infer L extends FieldList }
              ? Record_<L>[]
              : never;

/** The record a field list decodes to. */
export type Record_<L extends FieldList> = {
  [F in L[number] as F[0]]: FieldValue<F[1]>;
};

type Flatten<T> = { [K in keyof T]: T[K] } & {};

/** The decoded form of message `N`: `{ type: N, ...fields }`. A union of names gives a union of messages. */
export type MessageOf<N extends MessageName> = N extends MessageName
  ? Flatten<{ readonly type: N } & Record_<(typeof MESSAGES)[N]['fields']>>
  : never;

/** Any Tandem message. */
export type Message = MessageOf<MessageName>;

type Dir<N extends MessageName> = (typeof MESSAGES)[N]['dir'];

/** Names of messages a client may send. */
export type ClientMessageName = {
  [N in MessageName]: Dir<N> extends 'c2s' | 'both' ? N : never;
}[MessageName];
/** Names of messages a room may send. */
export type ServerMessageName = {
  [N in MessageName]: Dir<N> extends 's2c' | 'both' ? N : never;
}[MessageName];
/** A message a client may send. */
export type ClientMessage = MessageOf<ClientMessageName>;
/** A message a room may send. */
export type ServerMessage = MessageOf<ServerMessageName>;
