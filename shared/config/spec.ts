/** A configuration field: its variable, kind, default, one line of doc and its bounds. */

export type Kind = "string" | "int" | "list" | "bool";

export interface FieldSpec {
  env: string;
  kind: Kind;
  default: string;
  doc: string;
  /** Secrets are never printed (see `describeConfig`). */
  secret?: boolean;
  min?: number;
  max?: number;
  pattern?: RegExp;
}

export function field<K extends Kind>(
  env: string,
  kind: K,
  def: string,
  doc: string,
  extra: Partial<FieldSpec> = {},
): FieldSpec & { kind: K } {
  return { ...extra, env, kind, default: def, doc };
}
