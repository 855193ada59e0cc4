export { MarketSession, type MarketFeed, type StrategyPort, type SessionEvent, type SessionOptions } from './session.js';
export { StrategySeat, type SeatOrder, type SeatView } from './seat.js';
export { LocalSeat } from './local-seat.js';
export { LiveSeries } from './series.js';
export { BookPricer, ReplayPricer, walk, type OrderBookSnapshot, type BookLevels } from './book.js';
export { CapitalGuard, DEFAULT_PROTECTION, type ProtectionLimits, type Halt } from './guard.js';
export { SessionStore, listSessions, readSession, requestStop, type SessionRow, type SessionSettings, type SessionMode, type SessionStatus, type RecordedBar, type RecordedEvent } from './store.js';
export { CcxtFeed, RetryLater, sessionClient, startFailure, type SessionClientOptions } from './feed.js';
export { VenueOrders, type PositionMirror } from './orders.js';
