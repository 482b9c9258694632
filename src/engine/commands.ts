/**
 * Commands: one type per client intent, a tagged union handled by one exhaustive switch in engine.ts.
 * Values are already integers (ticks, lots, atoms): the edge converts decimal strings with market.ts.
 * `time` (ms since epoch) is given by the sequencer so that replay is exact.
 */

export type Side = 'buy' | 'sell';
export type OrderType = 'limit' | 'market';
export type TimeInForce = 'GTC' | 'IOC' | 'FOK';
export type SelfTradePrevention = 'cancel_maker' | 'cancel_taker' | 'cancel_both';

export interface PlaceOrderCommand {
  readonly type: 'placeOrder';
  readonly time: number;
  readonly userId: string;
  readonly pair: string;
  readonly side: Side;
  readonly orderType: OrderType;
  /** ticks; limit orders only */
  readonly price?: number;
  /** lots; limit orders and base-sized market orders */
  readonly amount?: number;
  /** quote atoms; market buys sized by what they spend */
  readonly quoteAmount?: number;
  readonly timeInForce?: TimeInForce;
  readonly postOnly?: boolean;
  readonly clientOrderId?: string;
  readonly maxSlippageBps?: number;
  readonly selfTradePrevention?: SelfTradePrevention;
}

export interface CancelOrderCommand {
  readonly type: 'cancelOrder';
  readonly time: number;
  readonly userId: string;
  readonly orderId: number;
}

/**
 * Cancels the caller's open order that carries this clientOrderId: a client that lost the answer to
 * its placement (a timeout, a dropped connection) never learnt the order's id, but chose this one.
 */
export interface CancelByClientOrderIdCommand {
  readonly type: 'cancelByClientOrderId';
  readonly time: number;
  readonly userId: string;
  readonly clientOrderId: string;
}

export interface CancelAllCommand {
  readonly type: 'cancelAll';
  readonly time: number;
  readonly userId: string;
  /** null cancels in every market */
  readonly pair: string | null;
}

export interface DepositCommand {
  readonly type: 'deposit';
  readonly time: number;
  readonly userId: string;
  readonly asset: string;
  /** atoms */
  readonly amount: number;
}

export interface WithdrawCommand {
  readonly type: 'withdraw';
  readonly time: number;
  readonly userId: string;
  readonly asset: string;
  /** atoms */
  readonly amount: number;
}

/**
 * An operator adds to or takes from a market's AMM pool reserves (atoms). The pool has no LP shares:
 * its liquidity belongs to the venue, so like a deposit this changes each asset's supply.
 */
export interface PoolLiquidityCommand {
  readonly type: 'addLiquidity' | 'removeLiquidity';
  readonly time: number;
  readonly pair: string;
  readonly baseAmount: number;
  readonly quoteAmount: number;
}

export type Command =
  | PlaceOrderCommand
  | CancelOrderCommand
  | CancelByClientOrderIdCommand
  | CancelAllCommand
  | DepositCommand
  | WithdrawCommand
  | PoolLiquidityCommand;
