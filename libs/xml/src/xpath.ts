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
const parse: (expr: string) => ParsedExpression = (expr) =>
  (xpath as unknown as { parse(this: void, e: string): ParsedExpression }).parse(expr);

export type XPathValue = string | number | boolean;

/**
 * Parsed expressions by text. Expressions are program constants (values travel as variables),
 * so the set is small; the bound only guards against a caller that builds them dynamically.
 */
const compiled = new Map<string, ParsedExpression>();
const MAX_COMPILED = 1000;

function compile(expression: string): ParsedExpression {
  let e = compiled.get(expression);
  if (!e) {
    e = parse(expression);
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    compiled.set(expression, e);
  }
  return e;
}

function options(
  node: Node,
  variables: Readonly<Record<string, XPathValue>>,
  extraNs: Readonly<Record<string, string>>,
): EvalOptions {
  return { node, namespaces: { ...NS, ...extraNs }, variables: { ...variables } };
}

/**
 * Evaluates `expression` against `node` with prefixes from {@link NS} (plus `extraNs`) and
 * `$variables`, returning the node-set in document order. Throws for an expression that
 * does not evaluate to a node-set (use {@link selectString} for those).
 */
export function select(
  expression: string,
  node: Node,
  variables: Readonly<Record<string, XPathValue>> = {},
  extraNs: Readonly<Record<string, string>> = {},
): Node[] {
  return compile(expression).select(options(node, variables, extraNs)) as Node[];
}

/** Evaluates to a string (XPath string() of the result). */
export function selectString(
  expression: string,
  node: Node,
  variables: Readonly<Record<string, XPathValue>> = {},
  extraNs: Readonly<Record<string, string>> = {},
): string {
  return compile(expression).evaluateString(options(node, variables, extraNs));
}
