/**
 * WebSocket message schemas (client → server, checked with ajv like HTTP bodies: no unknown fields, so
 * no `__proto__` either) and the serialiser of trade messages (order results are written by json-text.ts).
 */
import { Ajv, type ValidateFunction } from 'ajv';
import fastJson from 'fast-json-stringify';
import * as S from '../schemas.js';

const reqId = { type: ['string', 'integer'], maxLength: 64 } as const;

const orderFields = S.orderRequest.properties;

const schemas = {
  auth: { properties: { token: { type: 'string', minLength: 1, maxLength: 8192 } }, required: ['token'] },
  subscribe: { properties: { channels: { type: 'array', minItems: 1, maxItems: 100, items: { type: 'string', maxLength: 80 } } }, required: ['channels'] },
  unsubscribe: { properties: { channels: { type: 'array', minItems: 1, maxItems: 100, items: { type: 'string', maxLength: 80 } } }, required: ['channels'] },
  order: { properties: orderFields, required: S.orderRequest.required },
  // exactly one of the two: checked by the session, for a clearer message than a oneOf failure
  cancel: { properties: S.cancelRequest.properties, required: [] },
  batch: { properties: { orders: S.batchRequest.properties.orders }, required: ['orders'] },
  // each cancel's exactly-one-id rule is checked by OrderEntry.cancelBatch, as for HTTP
  cancelBatch: { properties: { cancels: S.batchCancelRequest.properties.cancels }, required: ['cancels'] },
  ping: { properties: {}, required: [] },
} as const;

export type WsOp = keyof typeof schemas;
export const WS_OPS = Object.keys(schemas) as WsOp[];
/** the answer to an unknown op, listing the ops from the schemas so it cannot fall behind them */
export const UNKNOWN_OP_MESSAGE = `op must be ${WS_OPS.slice(0, -1).join(', ')} or ${WS_OPS[WS_OPS.length - 1]}`;

const ajv = new Ajv({ allErrors: false, coerceTypes: false, removeAdditional: false, useDefaults: false, strict: false });

const validators = new Map<string, ValidateFunction>();
for (const op of WS_OPS) {
  const s = schemas[op];
  validators.set(
    op,
    ajv.compile({
      type: 'object',
      additionalProperties: false,
      required: ['op', ...s.required],
      properties: { op: { const: op }, reqId, ...s.properties },
    }),
  );
}

/** The validator for a message's op, or undefined for an unknown op. */
export function validatorFor(op: unknown): ValidateFunction | undefined {
  return typeof op === 'string' ? validators.get(op) : undefined;
}

export function validationMessage(v: ValidateFunction): string {
  const e = v.errors?.[0];
  if (e === undefined) return 'message is not valid';
  return `message${e.instancePath} ${e.message ?? 'is not valid'}`.slice(0, 200);
}

/** the schemas are `as const` (readonly arrays), which the library's types do not accept */
const compile = (schema: object) => fastJson(schema as fastJson.Schema);

export const serializeTrade = compile({
  type: 'object',
  properties: { type: { type: 'string' }, pair: { type: 'string' }, ...S.trade.properties },
});
