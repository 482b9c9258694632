import { reject } from '../errors.js';
import type { DepositCommand, PoolLiquidityCommand, WithdrawCommand } from './commands.js';
import type { CommandResult } from './events.js';
import type { EngineState } from './engine-state.js';
import { MAX_ATOMS } from './market.js';
import { isIdText, shown } from './command-fields.js';

/** Credits a user. Refused when the asset's total supply would pass 2^53 − 1 atoms (see market.ts). */
export function deposit(s: EngineState, cmd: DepositCommand): CommandResult {
  const asset = s.catalogue.assetIndex.get(cmd.asset);
  if (asset === undefined) return reject('VALIDATION_ERROR', `unknown asset ${shown(cmd.asset)}`);
  if (!isIdText(cmd.userId)) return reject('VALIDATION_ERROR', 'userId is required');
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
  if (asset === undefined) return reject('VALIDATION_ERROR', `unknown asset ${shown(cmd.asset)}`);
  if (!Number.isSafeInteger(cmd.amount) || cmd.amount <= 0) return reject('INVALID_AMOUNT', 'amount must be positive');
  const account = s.accounts.get(cmd.userId);
  if (account === undefined || account.available[asset] < cmd.amount) return reject('INSUFFICIENT_BALANCE');
  account.available[asset] -= cmd.amount;
  s.supply[asset] -= cmd.amount;
  s.touchBalance(account, asset);
  return { ok: true, available: account.available[asset], locked: account.locked[asset] };
}

/**
 * Changes a pool's reserves by an operator's order. Amounts may be 0 on one side (that moves the
 * price, which is the operator's call); a removal must leave at least one atom of each reserve.
 */
export function changeLiquidity(s: EngineState, cmd: PoolLiquidityCommand): CommandResult {
  const market = s.marketByPair.get(cmd.pair);
  if (market === undefined) return reject('UNKNOWN_PAIR', `unknown pair ${shown(cmd.pair)}`);
  const pool = market.pool;
  if (pool === null) return reject('VALIDATION_ERROR', `${cmd.pair} has no AMM pool`);
  const { baseAmount, quoteAmount } = cmd;
  const valid = (v: number): boolean => Number.isSafeInteger(v) && v >= 0;
  if (!valid(baseAmount) || !valid(quoteAmount) || baseAmount + quoteAmount === 0) {
    return reject('INVALID_AMOUNT', 'baseAmount and quoteAmount must be whole atoms ≥ 0, not both 0');
  }
  const spec = market.spec;
  const sign = cmd.type === 'addLiquidity' ? 1 : -1;
  const base = pool.baseReserve + sign * baseAmount;
  const quote = pool.quoteReserve + sign * quoteAmount;
  if (base < 1 || quote < 1) return reject('INSUFFICIENT_BALANCE', 'the pool must keep at least one atom of each asset');
  if (s.supply[spec.baseAsset] + sign * baseAmount > MAX_ATOMS || s.supply[spec.quoteAsset] + sign * quoteAmount > MAX_ATOMS) {
    return reject('INVALID_AMOUNT', 'this would take an asset past its maximum total supply');
  }
  pool.baseReserve = base;
  pool.quoteReserve = quote;
  s.supply[spec.baseAsset] += sign * baseAmount;
  s.supply[spec.quoteAsset] += sign * quoteAmount;
  s.touchPool(market);
  return { ok: true, pool: { baseReserve: base, quoteReserve: quote } };
}
