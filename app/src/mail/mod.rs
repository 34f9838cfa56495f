//! Mail: the desk's login to the mail server, the connection (lettre), and the outbox's sending.
//! What to send and when is `custody_db::notices`'s; the words are `custody_db::letters`.

pub mod background;
pub mod login;
pub mod outbox;
pub mod transport;
