/** The part of js-yaml (which ships no types) that loadConfig uses. */
declare module 'js-yaml' {
  export interface Schema {
    readonly __schema: unique symbol;
  }
  /** YAML 1.2's core schema: null, booleans, integers and floats; no timestamps, no merge keys. */
  export const CORE_SCHEMA: Schema;
  export function load(text: string, options?: { schema?: Schema }): unknown;
}
