//! What the CSV downloads say, in the language an admin asked for (`?lang=ja` / `?lang=en`,
//! else the organisation's): headers, seat statuses, audit actions, and the file names. The app
//! says the same things on screen from its locale files; these are the relay's copy for files
//! it writes itself.

use tsunagu_core::api::{AuditAction, Language};
use tsunagu_core::event::SeatStatus;

/// The attendee list's header.
pub(crate) fn attendee_header(lang: Language) -> [&'static str; 6] {
    match lang {
        Language::Ja => [
            "氏名",
            "ふりがな",
            "状態",
            "チケット",
            "受付日時",
            "重複入場",
        ],
        Language::En => [
            "Name",
            "Reading",
            "Status",
            "Ticket",
            "Checked in at",
            "Admitted more than once",
        ],
    }
}

/// The audit log's header.
pub(crate) fn audit_header(lang: Language) -> [&'static str; 6] {
    match lang {
        Language::Ja => ["日時", "実行者", "操作", "対象", "詳細", "対象ID"],
        Language::En => ["When", "Who", "Action", "Subject", "Detail", "Subject id"],
    }
}

pub(crate) fn seat_status(lang: Language, status: SeatStatus) -> &'static str {
    match (lang, status) {
        (Language::Ja, SeatStatus::Confirmed) => "参加確定",
        (Language::Ja, SeatStatus::Waiting) => "キャンセル待ち",
        (Language::Ja, SeatStatus::Declined) => "不参加",
        (Language::Ja, SeatStatus::Refused) => "受付終了",
        (Language::En, SeatStatus::Confirmed) => "Confirmed",
        (Language::En, SeatStatus::Waiting) => "Waiting list",
        (Language::En, SeatStatus::Declined) => "Not going",
        (Language::En, SeatStatus::Refused) => "Answered too late",
    }
}

/// A yes for "admitted more than once"; a no is left blank, so the yeses stand out.
pub(crate) fn yes(lang: Language) -> &'static str {
    match lang {
        Language::Ja => "あり",
        Language::En => "yes",
    }
}

/// Who did what the relay decided on its own.
pub(crate) fn system(lang: Language) -> &'static str {
    match lang {
        Language::Ja => "システム",
        Language::En => "System",
    }
}

/// An audit action as the admin screens name it (`app/locales/*.json`, `admin.audit_*`).
pub(crate) fn audit_action(lang: Language, action: AuditAction) -> &'static str {
    use AuditAction as A;
    match lang {
        Language::Ja => match action {
            A::Setup => "初期セットアップ",
            A::Import => "人事データ取込",
            A::Invite => "招待",
            A::Register => "登録",
            A::Apply => "参加申請",
            A::ConfirmApplication => "申請をメールで確認",
            A::Approve => "申請の承認",
            A::Reject => "申請の却下",
            A::Roles => "権限の変更",
            A::Suspend => "利用停止",
            A::Reactivate => "利用再開",
            A::RevokeDevice => "端末の登録解除",
            A::DeleteHrRecord => "人事データの削除",
            A::DeleteAccount => "アカウント削除",
            A::ChangePassword => "パスワード変更",
            A::SignOutEverywhere => "すべての端末からログアウト",
            A::RotatePassKey => "署名鍵を新しく作成",
            A::RetirePassKey => "署名鍵を無効化",
            A::CreateEvent => "イベント作成",
            A::ProposeEvent => "イベントの提案",
            A::SetJoinUrl => "参加URLの設定",
            A::ClearJoinUrl => "参加URLの削除",
        },
        Language::En => match action {
            A::Setup => "Network set up",
            A::Import => "HR import",
            A::Invite => "Invitation",
            A::Register => "Registered",
            A::Apply => "Applied to join",
            A::ConfirmApplication => "Confirmed application by mail",
            A::Approve => "Approved application",
            A::Reject => "Rejected application",
            A::Roles => "Roles changed",
            A::Suspend => "Suspended",
            A::Reactivate => "Reactivated",
            A::RevokeDevice => "Device removed",
            A::DeleteHrRecord => "HR record deleted",
            A::DeleteAccount => "Deleted account",
            A::ChangePassword => "Changed password",
            A::SignOutEverywhere => "Signed out everywhere",
            A::RotatePassKey => "New pass signing key",
            A::RetirePassKey => "Retired pass signing key",
            A::CreateEvent => "Event created",
            A::ProposeEvent => "Event proposed",
            A::SetJoinUrl => "Join link set",
            A::ClearJoinUrl => "Join link removed",
        },
    }
}

/// What an attendee list is called in its file name, after the event's title and date.
pub(crate) fn attendees_file(lang: Language) -> &'static str {
    match lang {
        Language::Ja => "参加者",
        Language::En => "attendees",
    }
}

/// What the audit log is called in its file name, before the date.
pub(crate) fn audit_file(lang: Language) -> &'static str {
    match lang {
        Language::Ja => "監査ログ",
        Language::En => "audit-log",
    }
}
