/**
 * XPath with variables only: expressions are constants, values arrive as `$name`
 * variables, never by string concatenation (no XPath injection).
 */
import * as xpath from 'xpath';
import { NS } from './namespaces.js';

/** The part of xpath's runtime API its typings omit: pre-parsed expressions evaluated with variables. */
interface ParsedExpression {
  select(opts: EvalOptions): unknown;
  evaluateString(opts: EvalOptions): string;
}
interface EvalOptions {
  node: unknown;
  namespaces: Record<string, string>;
  variables: Record<string, XPathValue>;
}
const parse = (xpath as unknown as { parse(expr: string): ParsedExpression }).parse;

export type XPathValue = string | number | boolean;

/** Evaluates `expression` against `node` with prefixes from {@link NS} (plus `extraNs`) and `$variables`. */
export function select(
  expression: string,
  node: Node,
  variables: Readonly<Record<string, XPathValue>> = {},
  extraNs: Readonly<Record<string, string>> = {},
): Node[] {
  const r = evaluate(expression, node, variables, extraNs);
  return Array.isArray(r) ? (r as Node[]) : [];
}

/** Evaluates to a string (XPath string() of the result). */
export function selectString(
  expression: string,
  node: Node,
  variables: Readonly<Record<string, XPathValue>> = {},
  extraNs: Readonly<Record<string, string>> = {},
): string {
  return parse(expression).evaluateString({
    node: node as never,
    namespaces: { ...NS, ...extraNs },
    variables: { ...variables },
  });
}

function evaluate(
  expression: string,
  node: Node,
  variables: Readonly<Record<string, XPathValue>>,
  extraNs: Readonly<Record<string, string>>,
): unknown {
  return parse(expression).select({
    node: node as never,
    namespaces: { ...NS, ...extraNs },
    variables: { ...variables },
  });
}
