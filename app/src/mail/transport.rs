//! The connection to the mail server (lettre's SMTP client over the system's TLS), and one email
//! sent through it. Each failure says in words what went wrong and whether trying again later may
//! help (the server down) or not (an address it refuses).

use std::time::Duration;

use custody_db::letters::Letter;
use custody_db::mail::{MailSettings, Security};
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{Message, SmtpTransport, Transport};

use super::login::MailLogin;

/// How long one step of talking to the server may take: a desk never waits long on a dead one.
const TIMEOUT: Duration = Duration::from_secs(15);

/// A file sent with an email.
#[derive(Debug, Clone)]
pub struct Attached {
    pub name: String,
    pub mime: String,
    pub bytes: Vec<u8>,
}

/// Why an email was not sent.
#[derive(Debug, Clone)]
pub struct Failure {
    pub why: String,
    /// It concerned this email alone (an address refused, a mailbox full): the next may still
    /// go. Otherwise the server could not be reached, refused the login, or could take none now.
    pub this_email: bool,
    /// Trying again will not help (an address the server does not know).
    pub permanent: bool,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.why)
    }
}

/// The mail server, ready to send.
pub struct Mailer {
    transport: SmtpTransport,
    from: Mailbox,
    server: String,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("server", &self.server)
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// The server as the settings and the desk's login give it. Nothing is sent yet.
    pub fn new(settings: &MailSettings, login: &MailLogin, organisation: &str) -> Result<Mailer, String> {
        let tls = || -> Result<TlsParameters, String> {
            let mut builder = TlsParameters::builder(settings.host.clone());
            if let Some(pem) = &login.root_certificate {
                let certificate = Certificate::from_pem(pem.as_bytes())
                    .map_err(|e| format!("the mail server's certificate authority could not be read ({e})"))?;
                builder = builder.add_root_certificate(certificate);
            }
            builder
                .build()
                .map_err(|e| format!("the secure connection could not be set up ({e})"))
        };
        let tls = match settings.security {
            Security::StartTls => Tls::Required(tls()?),
            Security::Tls => Tls::Wrapper(tls()?),
            Security::None => Tls::None,
        };
        let mut builder = SmtpTransport::builder_dangerous(settings.host.as_str())
            .port(settings.port)
            .tls(tls)
            .timeout(Some(TIMEOUT));
        if let Some(user) = &settings.user {
            let secret = login.secret.clone().ok_or_else(|| {
                format!(
                    "the mail login {user} has no secret on this desk: set the mail settings again with its secret file"
                )
            })?;
            builder = builder.credentials(Credentials::new(user.clone(), secret));
        }
        let from = Mailbox::new(
            Some(organisation.to_string()),
            settings.from.parse().map_err(|e| {
                format!(
                    "the sender's address {} is not one a mail server takes ({e})",
                    settings.from
                )
            })?,
        );
        Ok(Mailer {
            transport: builder.build(),
            from,
            server: settings.server(),
        })
    }

    /// Sends `letter` to each of `to`, with `attached` files: all of them, or (on an error) an
    /// explanation.
    pub fn send(&self, to: &[String], letter: &Letter, attached: &[Attached]) -> Result<(), Failure> {
        let refused = |why: String| Failure {
            why,
            this_email: true,
            permanent: true,
        };
        let mut message = Message::builder().from(self.from.clone()).subject(&letter.subject);
        for address in to {
            let mailbox: Mailbox = address
                .parse()
                .map_err(|e| refused(format!("{address} is not an email address a mail server takes ({e})")))?;
            message = message.to(mailbox);
        }
        let text = MultiPart::alternative()
            .singlepart(SinglePart::plain(letter.plain.clone()))
            .singlepart(SinglePart::html(letter.html.clone()));
        let body = if attached.is_empty() {
            text
        } else {
            let mut mixed = MultiPart::mixed().multipart(text);
            for file in attached {
                let kind = ContentType::parse(&file.mime).unwrap_or(ContentType::TEXT_PLAIN);
                mixed = mixed.singlepart(Attachment::new(file.name.clone()).body(file.bytes.clone(), kind));
            }
            mixed
        };
        let message = message
            .multipart(body)
            .map_err(|e| refused(format!("the email could not be put together ({e})")))?;
        self.transport.send(&message).map(|_| ()).map_err(|e| {
            // 450/452 and 550-553 answer for one recipient or message; anything else (a refused
            // login, 421, a connection or TLS failure) for every email this round.
            let code = e.status().map(|c| c.to_string()).unwrap_or_default();
            Failure {
                why: self.explain(&e),
                this_email: matches!(code.as_str(), "450" | "452" | "550" | "551" | "552" | "553"),
                permanent: e.is_permanent(),
            }
        })
    }

    /// A failure in words: what went wrong, at which server.
    fn explain(&self, e: &lettre::transport::smtp::Error) -> String {
        let server = &self.server;
        let text = e.to_string();
        // A certificate the desk cannot check fails in the handshake, which lettre reports as a
        // connection error: told apart by what OpenSSL said.
        let handshake = text.contains("SSL routines") || text.contains("certificate");
        let code = e.status().map(|c| c.to_string()).unwrap_or_default();
        if matches!(code.as_str(), "530" | "534" | "535") {
            format!("the mail server {server} refused the login (check the login and its secret): {e}")
        } else if e.is_permanent() {
            format!("the mail server {server} refused it: {e}")
        } else if e.is_transient() {
            format!("the mail server {server} could not take it now: {e}")
        } else if e.is_tls() || handshake {
            format!(
                "the secure connection to {server} failed ({e}); if the server uses a certificate of the trust's own, give its authority's certificate in the mail settings"
            )
        } else if e.is_timeout() {
            format!("the mail server {server} did not answer in time")
        } else {
            format!("the mail server {server} could not be reached: {e}")
        }
    }
}
