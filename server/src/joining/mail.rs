//! Invitation mails over SMTP (lettre). A relay without `--smtp-url` sends nothing: admins copy
//! the links instead, so a small organisation needs no mail server at all.
//!
//! The mail is plain text, Japanese first and English below, because most recipients read
//! Japanese and the rest scroll down.

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
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

/// One mail to send: whom to, and what it says.
#[derive(Debug)]
pub(crate) struct Mail<'a> {
    pub(crate) to_name: &'a str,
    pub(crate) to_email: &'a str,
    pub(crate) subject: &'a str,
    pub(crate) body: String,
    /// A newsletter's: the link that unsubscribes its recipient, also given in the
    /// `List-Unsubscribe` headers so mail apps offer it as a button (RFC 2369, RFC 8058).
    pub(crate) unsubscribe: Option<&'a str>,
}

/// Why a mail did not go.
#[derive(Debug)]
pub(crate) struct Undelivered {
    /// The mail server refused it for good (an unknown address, a bad mailbox): trying again
    /// would not help. Otherwise it may go later (the server busy, unreachable, too slow).
    pub(crate) permanent: bool,
    pub(crate) reason: String,
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
        self.send(Mail {
            to_name: mail.to_name,
            to_email: mail.to_email,
            subject: "アルムナイネットワークへのご招待 / Your invitation to the alumni network",
            body: invitation_text(mail),
            unsubscribe: None,
        })
        .await
    }

    /// Sends one mail; the error says why in words an admin can act on.
    pub(crate) async fn send(&self, mail: Mail<'_>) -> Result<(), String> {
        self.deliver(mail).await.map_err(|e| e.reason)
    }

    /// Sends one mail, saying whether a failure is for good.
    pub(crate) async fn deliver(&self, mail: Mail<'_>) -> Result<(), Undelivered> {
        let refused = |reason: String| Undelivered {
            permanent: true,
            reason,
        };
        let address = mail
            .to_email
            .parse()
            .map_err(|e| refused(format!("{}: {e}", mail.to_email)))?;
        let to = Mailbox::new(Some(mail.to_name.to_owned()), address);
        let mut message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject)
            .header(ContentType::TEXT_PLAIN);
        if let Some(link) = mail.unsubscribe {
            message = message
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe"),
                    format!("<{link}>"),
                ))
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                    "List-Unsubscribe=One-Click".to_owned(),
                ));
        }
        let message = message
            .body(mail.body)
            .map_err(|e| refused(e.to_string()))?;
        self.transport
            .send(message)
            .await
            .map(drop)
            .map_err(|e| Undelivered {
                permanent: e.is_permanent(),
                reason: format!("the mail server refused or did not answer: {e}"),
            })
    }
}

/// `2026-11-22 10:00 UTC`, as mails state a link's expiry.
fn until(expires_at: i64) -> String {
    utc_timestamp(expires_at)
        .replace('T', " ")
        .replace('Z', " UTC")
}

fn invitation_text(mail: &InvitationMail<'_>) -> String {
    let until = until(mail.expires_at);
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

/// To the address HR has on record for an applicant: only opening the link lets them in.
pub(crate) fn confirmation_text(
    to_name: &str,
    applicant: &str,
    sign_in_email: &str,
    link: &str,
    expires_at: i64,
) -> String {
    let until = until(expires_at);
    format!(
        "{to_name} 様\n\
         \n\
         アルムナイネットワークへの参加申請がありました。\n\
         申請者のお名前: {applicant}\n\
         ログインに使うメールアドレス: {sign_in_email}\n\
         \n\
         ご本人の申請であれば、下のリンクを開いて確認してください。\n\
         確認すると、申請時に決めたパスワードでログインできます。\n\
         リンクは一度だけ、{until} まで使えます。\n\
         \n\
         {link}\n\
         \n\
         お心当たりのない場合は、このメールを破棄してください。\n\
         リンクを開かない限り、誰もあなたとして参加することはできません。\n\
         \n\
         ----\n\
         \n\
         Dear {to_name},\n\
         \n\
         Someone applied to join the alumni network as you.\n\
         Name given: {applicant}\n\
         Email they will sign in with: {sign_in_email}\n\
         \n\
         If this was you, open the link above to confirm; then sign in with the password you\n\
         chose when applying. The link works once, until {until}.\n\
         \n\
         If it was not you, ignore this mail: without the link, no one can join as you.\n"
    )
}

/// To an address that already has an account, when someone applies with it.
pub(crate) fn already_member_text(to_name: &str, sign_in_url: &str) -> String {
    format!(
        "{to_name} 様\n\
         \n\
         このメールアドレスで、アルムナイネットワークへの参加申請がありました。\n\
         このアドレスのアカウントはすでにあります。こちらからログインしてください。\n\
         \n\
         {sign_in_url}\n\
         \n\
         お心当たりのない場合は、このメールを破棄してください。アカウントは変わりません。\n\
         \n\
         ----\n\
         \n\
         Dear {to_name},\n\
         \n\
         Someone applied to join the alumni network with this email address, which already has\n\
         an account. Sign in at the address above.\n\
         \n\
         If it was not you, ignore this mail: nothing about your account has changed.\n"
    )
}
