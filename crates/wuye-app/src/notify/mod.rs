//! Notifications that arrive exactly once from our side.
//!
//! Every timeline event and SLA alert calls [`enqueue_for_event`] /
//! [`enqueue_for_alert`] in its own transaction: the company's rule picks the
//! recipients and channels, the templates render the message in each
//! recipient's language, and one outbox row per (event, recipient, channel)
//! is written — a unique idempotency key makes a repeat a no-op. In-app
//! messages are delivered by that insert; the workers (`worker.rs`, one per
//! channel) send the rest with retries, backoff, rate limits and quiet
//! hours, and dead-letter what keeps failing. See docs/NOTIFICATIONS.md.

pub mod admin;
pub mod authoring;
pub mod channels;
pub mod enqueue;
pub mod inbox;
pub mod setup;
pub mod worker;

pub use enqueue::{enqueue_for_alert, enqueue_for_event};
pub use inbox::{DeliveryView, InboxItem};
pub use worker::DeliveryReport;
