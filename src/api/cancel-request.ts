/**
 * A client's cancels (already schema-checked JSON) → the engine's cancel commands. Each names its order
 * by exactly one of orderId and clientOrderId; a batch where one does not is refused whole, before any
 * cancel runs, so a client never has to work out which half of a malformed batch was applied.
 */
import type { CommandInput } from '../sequencer/sequencer.js';
import { ApiError } from './api-error.js';
import { parseOrderId } from './order-request.js';

export interface CancelRequest {
  orderId?: string | number;
  clientOrderId?: string;
}

export type CancelInput = Extract<CommandInput, { type: 'cancelOrder' | 'cancelByClientOrderId' }>;

/**
 * Each cancel's command, or NOT_FOUND for an orderId that cannot be an id (as the single cancel answers);
 * throws VALIDATION_ERROR when a cancel names no order or two.
 */
export function toCancels(userId: string, cancels: readonly CancelRequest[]): Array<CancelInput | ApiError> {
  const commands: Array<CancelInput | ApiError> = new Array(cancels.length);
  for (let i = 0; i < cancels.length; i++) {
    const { orderId, clientOrderId } = cancels[i];
    if ((orderId === undefined) === (clientOrderId === undefined)) {
      throw new ApiError('VALIDATION_ERROR', `cancels/${i} takes exactly one of orderId and clientOrderId`);
    }
    if (clientOrderId !== undefined) {
      commands[i] = { type: 'cancelByClientOrderId', userId, clientOrderId };
    } else {
      const id = parseOrderId(String(orderId));
      commands[i] = id === null ? new ApiError('NOT_FOUND', 'no such open order') : { type: 'cancelOrder', userId, orderId: id };
    }
  }
  return commands;
}
