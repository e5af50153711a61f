//! E-mail to staff: the SMTP connection ([`Mailer`]), the Japanese texts of the immediate mail and
//! the daily digest ([`compose`]), and the admins' view of what was sent ([`sent`]). The jobs that
//! use them are in `crate::jobs::mail`.
//!
//! With no SMTP host configured (and always in demo mode) a [`Mailer`] only records: each mail is
//! written to `sent_mail` as if sent, so the 送信済みメール screen shows what would have gone out.

pub mod compose;
pub mod sent;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use std::path::Path;
use std::time::Duration;

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// Plain text: a relay on the same host or in a closed network only.
    None,
    /// Connect in plain text, then upgrade with STARTTLS; refuse a server that cannot.
    StartTls,
    /// TLS from the first byte (SMTPS, usually port 465).
    Tls,
}

/// `[mail]` of the configuration, as the server read it.
#[derive(Clone)]
pub struct MailSettings {
    /// Empty: record only.
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub user: String,
    pub password: String,
    pub from: String,
    pub base_url: String,
    pub timeout: Duration,
    /// A PEM file of root certificates trusted besides the built-in (webpki) roots, for a
    /// server whose certificate comes from the city's own CA; empty: the built-in roots only.
    pub ca_file: String,
    /// Demo mode: never hand mail to a server, whatever `host` says.
    pub record_only: bool,
}

/// A mail ready to go: to one person, in plain text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub to_address: String,
    pub to_name: String,
    pub subject: String,
    pub body: String,
    /// Without angle brackets, e.g. `notification.12@city.example.jp`.
    pub message_id: String,
}

/// What became of a mail that was not refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// The SMTP server accepted it with this reply.
    Smtp { reply: String },
    /// No server is configured: recorded only.
    Recorded,
}

/// Why a mail did not go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendFailure {
    /// The server could not be reached, timed out, or answered 4xx: try again later.
    Transient(String),
    /// The server refused the mail with 5xx, or the mail cannot be written (a bad address): trying
    /// again will not help.
    Permanent(String),
}

/// Hands mail to the configured SMTP server, or only records it.
#[derive(Clone)]
pub struct Mailer {
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
    base_url: String,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("smtp", &self.transport.is_some())
            .field("from", &self.from.to_string())
            .field("base_url", &self.base_url)
            .finish()
    }
}

impl Default for Mailer {
    /// Records only, from a local sender, with links to a server on this machine.
    fn default() -> Self {
        Mailer {
            transport: None,
            from: Mailbox::new(
                Some("Platina".to_owned()),
                lettre::Address::new_dangerous("platina", "localhost"),
            ),
            base_url: "http://localhost:8080".to_owned(),
        }
    }
}

impl Mailer {
    /// The mailer `settings` describe; an error names the setting that is wrong.
    pub fn new(settings: &MailSettings) -> Result<Mailer, String> {
        let from: Mailbox = settings
            .from
            .parse()
            .map_err(|e| format!("mail.from is not an address with an optional name: {e}"))?;
        let base_url = settings.base_url.trim_end_matches('/').to_owned();
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err("mail.base_url must start with http:// or https://".to_owned());
        }
        // Read even when nothing is sent (demo mode, no host), so that a wrong file stops the
        // start rather than the first mail after the host is set.
        let extra_roots = match settings.ca_file.trim() {
            "" => Vec::new(),
            path => private_roots(Path::new(path))?,
        };
        let host = settings.host.trim();
        let transport = if host.is_empty() || settings.record_only {
            None
        } else {
            let tls = |host: &str| -> Result<TlsParameters, String> {
                let mut builder = TlsParameters::builder(host.to_owned());
                for der in &extra_roots {
                    let root = Certificate::from_der(der.to_vec())
                        .map_err(|e| format!("mail.ca_file: {e}"))?;
                    builder = builder.add_root_certificate(root);
                }
                builder
                    .build_rustls()
                    .map_err(|e| format!("mail.host: {e}"))
            };
            let builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host);
            let builder = match settings.security {
                Security::None => builder,
                Security::StartTls => builder.tls(Tls::Required(tls(host)?)),
                Security::Tls => builder.tls(Tls::Wrapper(tls(host)?)),
            };
            let mut builder = builder.port(settings.port).timeout(Some(settings.timeout));
            if !settings.user.is_empty() {
                builder = builder.credentials(Credentials::new(
                    settings.user.clone(),
                    settings.password.clone(),
                ));
            }
            Some(builder.build())
        };
        Ok(Mailer {
            transport,
            from,
            base_url,
        })
    }

    /// Whether mail goes to an SMTP server (else it is only recorded).
    pub fn sends(&self) -> bool {
        self.transport.is_some()
    }

    /// The public address links in mail start with, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The domain of the sender's address, for Message-IDs.
    pub fn domain(&self) -> &str {
        self.from.email.domain()
    }

    /// The absolute address of an SPA path such as `/proposals/12`.
    pub fn link(&self, path: &str) -> String {
        if path.starts_with('/') {
            format!("{}{path}", self.base_url)
        } else {
            format!("{}/{path}", self.base_url)
        }
    }

    /// Sends `mail` (or only accepts it for recording, with no server configured).
    pub async fn send(&self, mail: &Outgoing) -> Result<Delivery, SendFailure> {
        let message = self.message(mail)?;
        let Some(transport) = &self.transport else {
            return Ok(Delivery::Recorded);
        };
        match transport.send(message).await {
            Ok(response) => Ok(Delivery::Smtp {
                reply: format!(
                    "{} {}",
                    response.code(),
                    response.message().collect::<Vec<_>>().join(" ")
                ),
            }),
            Err(err) if err.is_permanent() && !refused_login(&err) => {
                Err(SendFailure::Permanent(describe(&err)))
            }
            Err(err) => Err(SendFailure::Transient(describe(&err))),
        }
    }

    /// The MIME message of `mail`: UTF-8 plain text, its Japanese subject and names encoded by
    /// RFC 2047.
    pub fn message(&self, mail: &Outgoing) -> Result<Message, SendFailure> {
        let address: lettre::Address = mail.to_address.parse().map_err(|e| {
            SendFailure::Permanent(format!("{} is not an e-mail address: {e}", mail.to_address))
        })?;
        let to = Mailbox::new(
            Some(mail.to_name.clone()).filter(|n| !n.trim().is_empty()),
            address,
        );
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .message_id(Some(format!("<{}>", mail.message_id)))
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body.clone())
            .map_err(|e| SendFailure::Permanent(format!("the mail cannot be written: {e}")))
    }
}

/// The certificates of the PEM file `path` (`mail.ca_file`), each checked to be one a TLS client
/// can trust; an error names the setting and the file.
fn private_roots(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let shown = path.display();
    let pem = std::fs::read(path).map_err(|e| format!("mail.ca_file: cannot read {shown}: {e}"))?;
    let certificates = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("mail.ca_file: {shown} is not a PEM file of certificates: {e}"))?;
    if certificates.is_empty() {
        return Err(format!(
            "mail.ca_file: {shown} holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
        ));
    }
    let mut store = rustls::RootCertStore::empty();
    for certificate in &certificates {
        store.add(certificate.clone()).map_err(|e| {
            format!("mail.ca_file: {shown} holds a certificate that cannot be a root: {e}")
        })?;
    }
    Ok(certificates)
}

/// A 5xx about the login (530 authentication required, 534/538 mechanism, 535 credentials) says
/// nothing about the mail: it fails every mail until the operator fixes `[mail]`, after which a
/// retry succeeds, so it is not a reason to give up on this one.
fn refused_login(err: &lettre::transport::smtp::Error) -> bool {
    err.status()
        .is_some_and(|code| ["530", "534", "535", "538"].contains(&code.to_string().as_str()))
}

/// An SMTP error in one line, with the server's code where there is one.
fn describe(err: &lettre::transport::smtp::Error) -> String {
    match err.status() {
        Some(code) => format!("SMTP {code}: {err}"),
        None => err.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(host: &str, record_only: bool) -> MailSettings {
        MailSettings {
            host: host.to_owned(),
            port: 587,
            security: Security::StartTls,
            user: String::new(),
            password: String::new(),
            from: "Platina 市政変革推進室 <platina@city.example.jp>".to_owned(),
            base_url: "https://platina.city.example.jp/".to_owned(),
            timeout: Duration::from_secs(5),
            ca_file: String::new(),
            record_only,
        }
    }

    #[test]
    fn demo_mode_and_an_empty_host_only_record_while_a_host_sends() -> Result<(), String> {
        assert!(Mailer::new(&settings("smtp.city.example.jp", false))?.sends());
        assert!(!Mailer::new(&settings("smtp.city.example.jp", true))?.sends());
        assert!(!Mailer::new(&settings("", false))?.sends());
        Ok(())
    }

    #[test]
    fn links_are_absolute_under_the_base_url_without_a_double_slash() -> Result<(), String> {
        let mailer = Mailer::new(&settings("", false))?;
        assert_eq!(
            mailer.link("/proposals/12"),
            "https://platina.city.example.jp/proposals/12"
        );
        Ok(())
    }

    #[test]
    fn japanese_headers_are_encoded_and_the_message_is_seven_bit_on_the_wire() -> Result<(), String>
    {
        let mailer = Mailer::new(&settings("", false))?;
        let message = mailer
            .message(&Outgoing {
                to_address: "hanako@city.example.jp".to_owned(),
                to_name: "北九州 花子".to_owned(),
                subject: "【Platina】提案の担当課への割当て".to_owned(),
                body: "北九州 花子 様\nhttps://platina.city.example.jp/proposals/12\n".to_owned(),
                message_id: "notification.1@city.example.jp".to_owned(),
            })
            .map_err(|e| format!("{e:?}"))?;
        let wire = String::from_utf8(message.formatted()).map_err(|e| e.to_string())?;
        assert!(wire.is_ascii(), "{wire}");
        assert!(wire.contains("Subject: =?utf-8?"), "{wire}");
        assert!(wire.contains("charset=utf-8"), "{wire}");
        assert!(
            wire.contains("Message-ID: <notification.1@city.example.jp>"),
            "{wire}"
        );
        Ok(())
    }

    #[test]
    fn a_recipient_that_is_not_an_address_is_a_permanent_failure() {
        let mailer = Mailer::default();
        let failure = mailer.message(&Outgoing {
            to_address: "not an address".to_owned(),
            to_name: String::new(),
            subject: "件名".to_owned(),
            body: "本文".to_owned(),
            message_id: "x@localhost".to_owned(),
        });
        assert!(matches!(failure, Err(SendFailure::Permanent(_))));
    }
}
