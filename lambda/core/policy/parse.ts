import { PolicyParseError } from './errors.js';
import { invalidConditionValue, parseConditionOperator } from './operators.js';
import type { ConditionBlock, Effect, PolicyDocument, PrincipalBlock, Statement } from './types.js';

/** The policy language versions IAM accepts. Only 2012-10-17 substitutes policy variables. */
export const POLICY_VERSIONS: readonly string[] = ['2012-10-17', '2008-10-17'];

const DOCUMENT_ELEMENTS: ReadonlySet<string> = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_ELEMENTS: ReadonlySet<string> = new Set([
  'Sid',
  'Effect',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Principal',
  'NotPrincipal',
  'Condition',
]);
const PRINCIPAL_TYPES: ReadonlySet<string> = new Set(['AWS', 'Service', 'Federated', 'CanonicalUser']);

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Appends an object key to a JSON path: `.Key` for identifiers, `["aws:SourceIp"]` for the rest. */
const child = (path: string, key: string): string => {
  if (IDENTIFIER.test(key)) return path === '' ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
};

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Parses and validates an IAM policy document (identity, resource, key, trust, SCP or RCP policy)
 * into the normalised {@link PolicyDocument}: every single-or-array element becomes an array and
 * condition values become strings.
 *
 * Rejects what IAM would reject, so evaluation never meets a shape it does not understand: an
 * unknown element, a missing or misspelt `Effect`, both or neither of `Action`/`NotAction`, both
 * `Resource` and `NotResource`, both `Principal` and `NotPrincipal`, an unknown condition operator,
 * a value that is not a string (numbers and booleans are accepted only as condition values), a
 * condition value its operator cannot read (a date for `DateLessThan`, a CIDR for `IpAddress` …).
 *
 * @param raw - a policy object, its JSON text, or its URL-encoded JSON text (as
 *   `get-account-authorization-details` and `GetRolePolicy` return it).
 * @param where - names the file and location for error messages, e.g.
 *   `authorization-details.json: UserDetailList[3].UserPolicyList[0].PolicyDocument`.
 * @throws {@link PolicyParseError} (`ERR_POLICY_PARSE`) whose `path` names the element inside the
 *   document, e.g. `Statement[2].Condition.StringEquals`.
 * @example
 * ```ts
 * const doc = parsePolicyDocument(
 *   '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"kms:Sign","Resource":"*"}}',
 *   'policies/signer.json',
 * );
 * doc.statements[0].action; // ['kms:Sign']
 * ```
 */
export function parsePolicyDocument(raw: unknown, where: string): PolicyDocument {
  const value = typeof raw === 'string' ? parseText(raw, where) : raw;
  if (!isRecord(value)) throw new PolicyParseError(where, '', 'a policy document must be a JSON object');
  for (const key of Object.keys(value)) {
    if (!DOCUMENT_ELEMENTS.has(key)) throw new PolicyParseError(where, child('', key), 'unknown policy element');
  }
  const version = optionalString(value.Version, where, 'Version');
  if (version !== undefined && !POLICY_VERSIONS.includes(version)) {
    throw new PolicyParseError(where, 'Version', `unsupported version "${version}" (expected ${POLICY_VERSIONS.join(' or ')})`);
  }
  const id = optionalString(value.Id, where, 'Id');
  const rawStatements = value.Statement;
  let statements: Statement[];
  if (rawStatements === undefined) {
    throw new PolicyParseError(where, 'Statement', 'missing Statement');
  } else if (Array.isArray(rawStatements)) {
    statements = rawStatements.map((s, i) => parseStatement(s, where, `Statement[${i}]`));
  } else {
    statements = [parseStatement(rawStatements, where, 'Statement')];
  }
  return {
    ...(version !== undefined ? { version } : {}),
    ...(id !== undefined ? { id } : {}),
    statements,
  };
}

function parseText(text: string, where: string): unknown {
  const trimmed = text.trim();
  let json = trimmed;
  if (!trimmed.startsWith('{')) {
    // IAM's API returns documents URL-encoded (RFC 3986); the CLI decodes them, raw exports do not.
    try {
      json = decodeURIComponent(trimmed);
    } catch {
      throw new PolicyParseError(where, '', 'neither JSON nor URL-encoded JSON');
    }
  }
  try {
    return JSON.parse(json) as unknown;
  } catch (error) {
    throw new PolicyParseError(where, '', `not valid JSON (${(error as Error).message})`);
  }
}

function optionalString(value: unknown, where: string, path: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new PolicyParseError(where, path, `expected a string, got ${describe(value)}`);
  return value;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}

/** A string or a non-empty array of non-empty strings, as Action/Resource/Principal values are. */
function stringList(value: unknown, where: string, path: string): string[] {
  if (typeof value === 'string') {
    if (value === '') throw new PolicyParseError(where, path, 'empty string');
    return [value];
  }
  if (!Array.isArray(value)) throw new PolicyParseError(where, path, `expected a string or an array of strings, got ${describe(value)}`);
  if (value.length === 0) throw new PolicyParseError(where, path, 'empty array');
  return value.map((item, i) => {
    if (typeof item !== 'string') throw new PolicyParseError(where, `${path}[${i}]`, `expected a string, got ${describe(item)}`);
    if (item === '') throw new PolicyParseError(where, `${path}[${i}]`, 'empty string');
    return item;
  });
}

function parseStatement(value: unknown, where: string, path: string): Statement {
  if (!isRecord(value)) throw new PolicyParseError(where, path, `a statement must be an object, got ${describe(value)}`);
  for (const key of Object.keys(value)) {
    if (!STATEMENT_ELEMENTS.has(key)) throw new PolicyParseError(where, child(path, key), 'unknown statement element');
  }
  const sid = optionalString(value.Sid, where, `${path}.Sid`);
  const effect = value.Effect;
  if (effect === undefined) throw new PolicyParseError(where, `${path}.Effect`, 'missing Effect');
  if (effect !== 'Allow' && effect !== 'Deny') {
    throw new PolicyParseError(where, `${path}.Effect`, `Effect must be "Allow" or "Deny", got ${describe(effect)}`);
  }
  const out: {
    sid?: string;
    effect: Effect;
    action?: readonly string[];
    notAction?: readonly string[];
    resource?: readonly string[];
    notResource?: readonly string[];
    principal?: PrincipalBlock;
    notPrincipal?: PrincipalBlock;
    condition?: ConditionBlock;
  } = { effect };
  if (sid !== undefined) out.sid = sid;

  if (value.Action !== undefined && value.NotAction !== undefined) {
    throw new PolicyParseError(where, `${path}.NotAction`, 'a statement cannot have both Action and NotAction');
  }
  if (value.Action !== undefined) out.action = actions(value.Action, where, `${path}.Action`);
  else if (value.NotAction !== undefined) out.notAction = actions(value.NotAction, where, `${path}.NotAction`);
  else throw new PolicyParseError(where, `${path}.Action`, 'missing Action or NotAction');

  if (value.Resource !== undefined && value.NotResource !== undefined) {
    throw new PolicyParseError(where, `${path}.NotResource`, 'a statement cannot have both Resource and NotResource');
  }
  if (value.Resource !== undefined) out.resource = stringList(value.Resource, where, `${path}.Resource`);
  if (value.NotResource !== undefined) out.notResource = stringList(value.NotResource, where, `${path}.NotResource`);

  if (value.Principal !== undefined && value.NotPrincipal !== undefined) {
    throw new PolicyParseError(where, `${path}.NotPrincipal`, 'a statement cannot have both Principal and NotPrincipal');
  }
  if (value.Principal !== undefined) out.principal = principalBlock(value.Principal, where, `${path}.Principal`);
  if (value.NotPrincipal !== undefined) out.notPrincipal = principalBlock(value.NotPrincipal, where, `${path}.NotPrincipal`);

  if (value.Condition !== undefined) out.condition = conditionBlock(value.Condition, where, `${path}.Condition`);
  return out;
}

function actions(value: unknown, where: string, path: string): string[] {
  const list = stringList(value, where, path);
  list.forEach((action, i) => {
    const colon = action.indexOf(':');
    if (action !== '*' && (colon <= 0 || colon === action.length - 1)) {
      throw new PolicyParseError(where, Array.isArray(value) ? `${path}[${i}]` : path, `"${action}" is not "*" or "service:action"`);
    }
  });
  return list;
}

function principalBlock(value: unknown, where: string, path: string): PrincipalBlock {
  if (value === '*') return '*';
  if (!isRecord(value)) throw new PolicyParseError(where, path, `expected "*" or an object of principal types, got ${describe(value)}`);
  const out: Record<string, readonly string[]> = {};
  for (const [type, principals] of Object.entries(value)) {
    if (!PRINCIPAL_TYPES.has(type)) {
      throw new PolicyParseError(where, child(path, type), `unknown principal type (expected ${[...PRINCIPAL_TYPES].join(', ')})`);
    }
    out[type] = stringList(principals, where, child(path, type));
  }
  return out;
}

function conditionBlock(value: unknown, where: string, path: string): ConditionBlock {
  if (!isRecord(value)) throw new PolicyParseError(where, path, `expected an object of condition operators, got ${describe(value)}`);
  const out: Record<string, Readonly<Record<string, readonly string[]>>> = {};
  for (const [operator, keys] of Object.entries(value)) {
    const opPath = child(path, operator);
    const parsed = parseConditionOperator(operator);
    if (parsed === undefined) throw new PolicyParseError(where, opPath, `unknown condition operator "${operator}"`);
    if (!isRecord(keys)) throw new PolicyParseError(where, opPath, `expected an object of condition keys, got ${describe(keys)}`);
    const byKey: Record<string, readonly string[]> = {};
    for (const [key, rawValues] of Object.entries(keys)) {
      const keyPath = child(opPath, key);
      if (key === '') throw new PolicyParseError(where, keyPath, 'empty condition key');
      const list = Array.isArray(rawValues) ? rawValues : [rawValues];
      byKey[key] = list.map((item, i) => {
        const itemPath = Array.isArray(rawValues) ? `${keyPath}[${i}]` : keyPath;
        if (typeof item !== 'string' && typeof item !== 'number' && typeof item !== 'boolean') {
          throw new PolicyParseError(where, itemPath, `condition values must be strings, numbers or booleans, got ${describe(item)}`);
        }
        const text = String(item);
        const invalid = invalidConditionValue(parsed.family, text);
        if (invalid !== undefined) throw new PolicyParseError(where, itemPath, `${invalid} (operator ${operator})`);
        return text;
      });
    }
    out[operator] = byKey;
  }
  return out;
}
