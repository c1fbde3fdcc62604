//! Invitation mails over SMTP (lettre). A relay without `--smtp-url` sends nothing: admins copy
//! the links instead, so a small organisation needs no mail server at all.
//!
//! The mail is plain text, Japanese first and English below, because most recipients read
//! Japanese and the rest scroll down.

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::audit::utc_timestamp;
use crate::error::Error;

/// How long one SMTP exchange may take before the invitation is shown as a link instead.
const SMTP_TIMEOUT: Duration = Duration::from_secs(15);

#[derive(Clone)]
pub(crate) struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    // The transport holds the SMTP credentials: never print them.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("from", &self.from).finish()
    }
}

/// An invitation to mail.
#[derive(Debug)]
pub(crate) struct InvitationMail<'a> {
    pub(crate) to_name: &'a str,
    pub(crate) to_email: &'a str,
    pub(crate) link: &'a str,
    pub(crate) expires_at: i64,
}

impl Mailer {
    /// `url`: `smtp://host:port` (no TLS), `smtps://user:pass@host:465` (TLS), or lettre's
    /// `smtp://...?tls=required` (STARTTLS).
    pub(crate) fn new(url: &str, from: &str) -> Result<Self, Error> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| Error::Config(format!("--smtp-url: {e}")))?
            .timeout(Some(SMTP_TIMEOUT))
            .build();
        let from = from
            .parse()
            .map_err(|e| Error::Config(format!("--mail-from {from:?}: {e}")))?;
        Ok(Self { transport, from })
    }

    /// Sends one invitation; the error says why in words an admin can act on.
    pub(crate) async fn send_invitation(&self, mail: &InvitationMail<'_>) -> Result<(), String> {
        let address = mail
            .to_email
            .parse()
            .map_err(|e| format!("{}: {e}", mail.to_email))?;
        let to = Mailbox::new(Some(mail.to_name.to_owned()), address);
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject("アルムナイネットワークへのご招待 / Your invitation to the alumni network")
            .header(ContentType::TEXT_PLAIN)
            .body(invitation_text(mail))
            .map_err(|e| e.to_string())?;
        self.transport
            .send(message)
            .await
            .map(drop)
            .map_err(|e| format!("the mail server refused or did not answer: {e}"))
    }
}

fn invitation_text(mail: &InvitationMail<'_>) -> String {
    let until = utc_timestamp(mail.expires_at)
        .replace('T', " ")
        .replace('Z', " UTC");
    let InvitationMail { to_name, link, .. } = mail;
    format!(
        "{to_name} 様\n\
         \n\
         アルムナイネットワークにご招待します。\n\
         下のリンクを開き、パスワードを決めて登録してください。\n\
         リンクは一度だけ、{until} まで使えます。\n\
         \n\
         {link}\n\
         \n\
         お心当たりのない場合は、このメールを破棄してください。\n\
         \n\
         ----\n\
         \n\
         Dear {to_name},\n\
         \n\
         You are invited to join the alumni network. Open the link above and choose a password\n\
         to register. The link works once, until {until}.\n\
         \n\
         If you did not expect this mail, you can ignore it.\n"
    )
}
