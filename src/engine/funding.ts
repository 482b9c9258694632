import { reject } from '../errors.js';
import type { DepositCommand, WithdrawCommand } from './commands.js';
import type { CommandResult } from './events.js';
import type { EngineState } from './engine-state.js';
import { MAX_ATOMS } from './market.js';

/** Credits a user. Refused when the asset's total supply would pass 2^53 − 1 atoms (see market.ts). */
export function deposit(s: EngineState, cmd: DepositCommand): CommandResult {
  const asset = s.catalogue.assetIndex.get(cmd.asset);
  if (asset === undefined) return reject('VALIDATION_ERROR', `unknown asset ${String(cmd.asset)}`);
  if (typeof cmd.userId !== 'string' || cmd.userId.length === 0) return reject('VALIDATION_ERROR', 'userId is required');
  if (!Number.isSafeInteger(cmd.amount) || cmd.amount <= 0) return reject('INVALID_AMOUNT', 'amount must be positive');
  if (s.supply[asset] + cmd.amount > MAX_ATOMS) {
    return reject('INVALID_AMOUNT', `deposit would take ${cmd.asset} past its maximum total supply`);
  }
  const account = s.accounts.getOrCreate(cmd.userId);
  account.available[asset] += cmd.amount;
  s.supply[asset] += cmd.amount;
  s.touchBalance(account, asset);
  return { ok: true, available: account.available[asset], locked: account.locked[asset] };
}

/** Debits a user's available (not locked) balance. */
export function withdraw(s: EngineState, cmd: WithdrawCommand): CommandResult {
  const asset = s.catalogue.assetIndex.get(cmd.asset);
  if (asset === undefined) return reject('VALIDATION_ERROR', `unknown asset ${String(cmd.asset)}`);
  if (!Number.isSafeInteger(cmd.amount) || cmd.amount <= 0) return reject('INVALID_AMOUNT', 'amount must be positive');
  const account = s.accounts.get(cmd.userId);
  if (account === undefined || account.available[asset] < cmd.amount) return reject('INSUFFICIENT_BALANCE');
  account.available[asset] -= cmd.amount;
  s.supply[asset] -= cmd.amount;
  s.touchBalance(account, asset);
  return { ok: true, available: account.available[asset], locked: account.locked[asset] };
}
